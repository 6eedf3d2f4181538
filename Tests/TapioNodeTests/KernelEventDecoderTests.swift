import XCTest
@testable import TapioNode

/// Decoding of raw ring-buffer bytes, laid out by hand at the offsets ebpf/tapio_abi.h
/// fixes (so a layout change in the header breaks these tests). No root needed.
final class KernelEventDecoderTests: XCTestCase {
    let decoder = KernelEventDecoder(clock: KernelClock(realtimeMinusBoottimeNs: 1_700_000_000_000_000_000))

    struct Bytes {
        var data: [UInt8]
        init(size: Int, type: UInt32, bootNs: UInt64) {
            data = [UInt8](repeating: 0, count: size)
            put(type, at: 0)
            put(UInt32(size), at: 4)
            put(bootNs, at: 8)
        }
        mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { data.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        mutating func put(_ text: String, at offset: Int) {
            let utf8 = Array(text.utf8.prefix(15))
            data.replaceSubrange(offset..<offset + utf8.count, with: utf8)
        }
    }

    func decode(_ bytes: Bytes) throws -> KernelEvent {
        try bytes.data.withUnsafeBytes { try decoder.decode($0) }
    }

    func testProcessRSS() throws {
        var b = Bytes(size: 72, type: 1, bootNs: 5_000)
        b.put(UInt32(101), at: 16)          // pid
        b.put(UInt32(100), at: 20)          // tgid
        b.put(UInt64(4242), at: 24)         // cgroup_id
        b.put(UInt64(1 << 20), at: 32)      // file
        b.put(UInt64(8 << 20), at: 40)      // anon
        b.put(UInt64(3), at: 48)            // swap
        b.put(UInt64(4096), at: 56)         // shmem
        b.put(UInt32(1), at: 64)            // flags: remote
        b.put(UInt32(0xdead_beef), at: 68)  // mm_id
        XCTAssertEqual(try decode(b), .processRSS(ProcessRSSSample(
            timestampNs: 1_700_000_000_000_005_000, pid: 101, tgid: 100, cgroupID: 4242,
            fileBytes: 1 << 20, anonBytes: 8 << 20, swapBytes: 3, shmemBytes: 4096,
            isRemoteUpdate: true, mmID: 0xdead_beef)))
    }

    func testOOMKill() throws {
        var b = Bytes(size: 120, type: 2, bootNs: 1)
        b.put(UInt32(7001), at: 16)   // victim pid
        b.put(UInt32(7000), at: 20)   // victim tgid
        b.put(UInt64(99), at: 24)     // victim cgroup
        b.put(UInt64(900), at: 32)    // total_vm kB
        b.put(UInt64(600), at: 40)    // anon
        b.put(UInt64(200), at: 48)    // file
        b.put(UInt64(50), at: 56)     // shmem
        b.put(UInt64(12), at: 64)     // pgtables
        b.put(UInt32(1000), at: 72)   // uid
        b.put(Int32(-500), at: 76)    // oom_score_adj
        b.put(UInt32(8001), at: 80)   // trigger pid
        b.put(UInt32(8000), at: 84)   // trigger tgid
        b.put(UInt64(77), at: 88)     // trigger cgroup
        b.put(UInt32(2), at: 96)      // victim pidns level
        b.put(UInt32(5), at: 100)     // victim ns pid
        b.put("java", at: 104)
        let event = try decode(b)
        guard case .oomKill(let kill) = event else { return XCTFail("\(event)") }
        XCTAssertEqual(kill, KernelOOMKill(
            timestampNs: 1_700_000_000_000_000_001, victimPID: 7001, victimTGID: 7000, victimComm: "java",
            victimCgroupID: 99, victimPIDNamespaceLevel: 2, victimNamespacePID: 5, totalVMKiB: 900,
            anonRSSKiB: 600, fileRSSKiB: 200, shmemRSSKiB: 50, pageTablesKiB: 12, uid: 1000,
            oomScoreAdj: -500, triggerPID: 8001, triggerTGID: 8000, triggerCgroupID: 77))
        XCTAssertEqual(kill.residentKiB, 850)
    }

    func testProcessLifecycle() throws {
        for (type, kind) in [(UInt32(3), ProcessLifecycleEvent.Kind.exec), (4, .fork), (5, .exit)] {
            var b = Bytes(size: 64, type: type, bootNs: 10)
            b.put(UInt32(300), at: 16)    // pid
            b.put(UInt32(1), at: 20)      // ppid
            b.put(UInt64(55), at: 24)     // cgroup
            b.put(UInt32(1), at: 32)      // pidns level
            b.put(UInt32(7), at: 36)      // ns pid
            b.put(Int32(kind == .exit ? 9 : 0), at: 40)  // exit code: SIGKILL
            b.put(UInt32(33), at: 44)     // uid
            b.put("nginx", at: 48)
            let expected = ProcessLifecycleEvent(
                kind: kind, timestampNs: 1_700_000_000_000_000_010, pid: 300, ppid: 1, comm: "nginx",
                cgroupID: 55, pidNamespaceLevel: 1, namespacePID: 7, exitCode: kind == .exit ? 9 : 0, uid: 33)
            XCTAssertEqual(try decode(b), kind == .exit ? .processExit(expected) : .processStart(expected))
        }
        let killed = ProcessLifecycleEvent(kind: .exit, timestampNs: 0, pid: 1, ppid: 0, comm: "", cgroupID: 0,
                                           pidNamespaceLevel: 0, namespacePID: 1, exitCode: 9)
        XCTAssertEqual(killed.terminatingSignal, 9)
        XCTAssertNil(killed.exitStatus)
        var exited = killed
        exited.exitCode = 3 << 8
        XCTAssertEqual(exited.exitStatus, 3)
        XCTAssertNil(exited.terminatingSignal)
    }

    func testOOMScoreAdjUpdate() throws {
        var b = Bytes(size: 56, type: 6, bootNs: 0)
        b.put(UInt32(12), at: 16)
        b.put(UInt32(11), at: 20)
        b.put(UInt64(8), at: 24)
        b.put(Int32(-998), at: 32)
        b.put("a-fifteen-chars", at: 40)
        XCTAssertEqual(try decode(b), .oomScoreAdjUpdate(OOMScoreAdjUpdate(
            timestampNs: 1_700_000_000_000_000_000, pid: 12, tgid: 11, comm: "a-fifteen-chars",
            cgroupID: 8, oomScoreAdj: -998)))
    }

    func testFullLengthCommWithoutTerminator() throws {
        var b = Bytes(size: 56, type: 6, bootNs: 0)
        b.data.replaceSubrange(40..<56, with: Array("0123456789abcdef".utf8))
        guard case .oomScoreAdjUpdate(let e) = try decode(b) else { return XCTFail() }
        XCTAssertEqual(e.comm, "0123456789abcdef")
    }

    func testMalformedRecordsAreTypedErrors() {
        XCTAssertThrowsError(try [UInt8](repeating: 0, count: 8).withUnsafeBytes { try decoder.decode($0) }) {
            XCTAssertEqual($0 as? KernelEventDecodingError, .truncated(size: 8, needed: 16))
        }
        let unknown = Bytes(size: 16, type: 99, bootNs: 0)
        XCTAssertThrowsError(try decode(unknown)) {
            XCTAssertEqual($0 as? KernelEventDecodingError, .unknownType(99))
        }
        let short = Bytes(size: 40, type: 1, bootNs: 0)
        XCTAssertThrowsError(try decode(short)) {
            XCTAssertEqual($0 as? KernelEventDecodingError, .truncated(size: 40, needed: 72))
        }
        var lying = Bytes(size: 72, type: 1, bootNs: 0)
        lying.put(UInt32(200), at: 4)
        XCTAssertThrowsError(try decode(lying)) {
            XCTAssertEqual($0 as? KernelEventDecodingError, .sizeMismatch(type: 1, declared: 200, actual: 72))
        }
    }

    func testClockConvertsBoottimeToEpoch() {
        let clock = KernelClock(realtimeMinusBoottimeNs: 1_000)
        XCTAssertEqual(clock.epochNanoseconds(fromBoottime: 5), 1_005)
        XCTAssertEqual(KernelClock(realtimeMinusBoottimeNs: -10).epochNanoseconds(fromBoottime: 5), 0)
        let live = KernelClock.current().epochNanoseconds(fromBoottime: 0)
        XCTAssertGreaterThan(live, 1_500_000_000_000_000_000, "boot time is after 2017")
    }

    func testErrorMessagesSayWhatToDo() {
        XCTAssertTrue("\(BPFProbeError.notPrivileged(missing: "CAP_BPF"))".contains("setcap"))
        XCTAssertTrue("\(BPFProbeError.tracefsNotMounted(path: "/sys/kernel/tracing"))".contains("mount -t tracefs"))
        XCTAssertTrue("\(BPFProbeError.btfMissing(path: "/sys/kernel/btf/vmlinux"))".contains("CONFIG_DEBUG_INFO_BTF"))
        XCTAssertTrue("\(BPFProbeError.loadFailed(errno: 22, message: "R1 invalid mem access"))".contains("errno 22"))
    }

    func testTracepointNamesFromSections() {
        XCTAssertTrue(BPFPreflight.tracepoint(section: "tp/kmem/rss_stat")! == ("kmem", "rss_stat"))
        XCTAssertTrue(BPFPreflight.tracepoint(section: "tp_btf/mark_victim")! == ("oom", "mark_victim"))
        XCTAssertNil(BPFPreflight.tracepoint(section: "license"))
    }
}
