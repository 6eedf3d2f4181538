import XCTest
import TapioTestSupport
@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// The probe on the real kernel: needs root and BPF, otherwise every test is skipped with
/// the reason. Workloads run in throw-away memory cgroups under this process's own.
final class KernelProbeTests: XCTestCase {
    func testLeakingProcessReportsGrowingRSSThenOOMKillOfThatProcess() throws {
        let probe = try KernelTestSupport.startProbe(BPFProbeOptions(rssThresholdBytes: 2 << 20, ringBufferBytes: 4 << 20))
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }
        XCTAssertEqual(cgroup.oomKillCount, 0)

        let pid = try cgroup.spawn([workload, "leak", "--rate-mib-per-sec", "40", "--step-mib", "4", "--max-seconds", "20"])
        let events = try KernelTestSupport.collect(probe, timeout: 25) { events in
            events.contains { if case .processExit(let e) = $0, e.pid == pid { true } else { false } }
        }
        let status = cgroup.wait(pid, timeout: 5)

        // The shell that moves itself into the cgroup and then execs the workload keeps the pid:
        // look at what happens from the exec on.
        let exec = try XCTUnwrap(events.compactMap { event -> ProcessLifecycleEvent? in
            if case .processStart(let e) = event, e.kind == .exec, e.pid == pid { e } else { nil }
        }.last, "an exec record for pid \(pid)")
        XCTAssertEqual(exec.comm, "tapio-workload")
        XCTAssertEqual(exec.cgroupID, cgroup.inode)
        let samples = events.compactMap { event -> ProcessRSSSample? in
            if case .processRSS(let s) = event, s.tgid == pid, s.timestampNs >= exec.timestampNs { s } else { nil }
        }
        XCTAssertGreaterThanOrEqual(samples.count, 3, "RSS records for the leaking process")
        XCTAssertTrue(samples.allSatisfy { $0.cgroupID == cgroup.inode }, "RSS cgroup ids \(Set(samples.map(\.cgroupID))) vs cgroup inode \(cgroup.inode)")
        let anon = samples.filter { !$0.isRemoteUpdate }.map(\.anonBytes)
        XCTAssertGreaterThan(anon.max() ?? 0, 32 << 20, "anon RSS grew past 32 MiB")
        XCTAssertLessThan(anon.first ?? .max, anon.max() ?? 0, "anon RSS grew")

        let kills = events.compactMap { event -> KernelOOMKill? in
            if case .oomKill(let k) = event { k } else { nil }
        }
        let kill = try XCTUnwrap(kills.first { $0.victimTGID == pid }, "an OOM kill naming pid \(pid); got \(kills)")
        XCTAssertEqual(kill.victimComm, "tapio-workload")
        XCTAssertEqual(kill.victimCgroupID, cgroup.inode)
        XCTAssertEqual(kill.victimPIDNamespaceLevel, 0)
        XCTAssertEqual(kill.victimNamespacePID, pid)
        XCTAssertGreaterThan(kill.anonRSSKiB, 32 << 10)
        XCTAssertGreaterThan(kill.totalVMKiB, kill.anonRSSKiB)

        let exit = events.compactMap { event -> ProcessLifecycleEvent? in
            if case .processExit(let e) = event, e.pid == pid { e } else { nil }
        }
        XCTAssertEqual(exit.count, 1)
        XCTAssertEqual(exit.first?.terminatingSignal, SIGKILL)
        if let status { XCTAssertEqual(status & 0x7f, SIGKILL, "the workload died of SIGKILL") }
        XCTAssertGreaterThanOrEqual(cgroup.oomKillCount, 1, "memory.oom_control oom_kill moved")

        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        XCTAssertLessThan(now - kill.timestampNs, 60_000_000_000, "timestamps are UNIX epoch ns")
    }

    /// The OOM happens at a shared parent limit while a small leaker (cgroup B) allocates;
    /// the killer picks the big idle process in sibling cgroup C. The record must name the
    /// victim and C, and the leaker and B only as the trigger.
    func testOOMKillNamesTheVictimsCgroupNotTheTriggers() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let parent = try TestCgroup(limitBytes: 64 << 20)
        defer { parent.remove() }
        let leakerGroup = try TestCgroup(limitBytes: 64 << 20, parent: parent)
        defer { leakerGroup.remove() }
        let victimGroup = try TestCgroup(limitBytes: 64 << 20, parent: parent)
        defer { victimGroup.remove() }

        let victim = try victimGroup.spawn([workload, "plateau", "--mib", "40", "--hold-seconds", "20"])
        // Wait until the victim holds its memory before the leaker starts.
        _ = try KernelTestSupport.collect(probe, timeout: 10) { events in
            events.contains { if case .processRSS(let s) = $0, s.tgid == victim, s.anonBytes >= 39 << 20 { true } else { false } }
        }
        let leaker = try leakerGroup.spawn([workload, "leak", "--rate-mib-per-sec", "20", "--step-mib", "2", "--max-mib", "30", "--max-seconds", "20"])
        let events = try KernelTestSupport.collect(probe, timeout: 20) { events in
            events.contains { if case .oomKill(let k) = $0, k.victimTGID == victim || k.victimTGID == leaker { true } else { false } }
        }
        let kill = try XCTUnwrap(events.compactMap { event -> KernelOOMKill? in
            if case .oomKill(let k) = event { k } else { nil }
        }.first, "an OOM kill")
        XCTAssertEqual(kill.victimTGID, victim, "the biggest process was killed")
        XCTAssertEqual(kill.victimCgroupID, victimGroup.inode)
        XCTAssertEqual(kill.victimComm, "tapio-workload")
        XCTAssertGreaterThan(kill.anonRSSKiB, 39 << 10)
        XCTAssertEqual(kill.triggerTGID, leaker)
        XCTAssertEqual(kill.triggerCgroupID, leakerGroup.inode)
        XCTAssertNotNil(victimGroup.wait(victim, timeout: 5), "the victim died")
        XCTAssertGreaterThanOrEqual(victimGroup.oomKillCount, 1, "v1 counts the kill in the victim's cgroup")
    }
}

extension KernelProbeTests {
    /// Pages faulted into a process's memory by another process (process_vm_writev: the
    /// kernel updates the target's RSS while the writer is current) are attributed to the
    /// target, flagged remote, not to the writer.
    func testRemoteFaultsAreAttributedToTheProcessThatOwnsTheMemory() throws {
        let probe = try KernelTestSupport.startProbe(BPFProbeOptions(rssThresholdBytes: 1 << 20, ringBufferBytes: 4 << 20))
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 96 << 20)
        defer { cgroup.remove() }
        let addressFile = NSTemporaryDirectory() + "tapio-reserve-\(getpid())"
        defer { unlink(addressFile) }

        let bytes = 32 << 20
        let pid = try cgroup.spawn([workload, "reserve", "--path", addressFile, "--mib", "32", "--hold-seconds", "20"])
        var line: String?
        for _ in 0..<500 where line == nil {
            line = try? String(contentsOfFile: addressFile, encoding: .utf8)
            if line == nil { usleep(20_000) }
        }
        let fields = try XCTUnwrap(line, "the workload wrote its address").split(separator: " ")
        let address = try XCTUnwrap(UInt(fields[0].dropFirst(2), radix: 16), "address in \(fields)")

        // glibc declares process_vm_writev only under _GNU_SOURCE, which Swift's Glibc lacks.
        typealias ProcessVMWritev = @convention(c) (pid_t, UnsafePointer<iovec>?, UInt, UnsafePointer<iovec>?, UInt, UInt) -> Int
        let symbol = try XCTUnwrap(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "process_vm_writev"), "glibc has process_vm_writev")
        let processVMWritev = unsafeBitCast(symbol, to: ProcessVMWritev.self)
        var buffer = [UInt8](repeating: 0x5a, count: bytes)
        let written = buffer.withUnsafeMutableBytes { raw -> Int in
            var local = iovec(iov_base: raw.baseAddress, iov_len: bytes)
            var remote = iovec(iov_base: UnsafeMutableRawPointer(bitPattern: address), iov_len: bytes)
            return processVMWritev(pid, &local, 1, &remote, 1, 0)
        }
        XCTAssertEqual(written, bytes, "process_vm_writev: \(String(cString: strerror(errno)))")

        let events = try KernelTestSupport.collect(probe, timeout: 10) { events in
            events.contains { if case .processRSS(let s) = $0, s.tgid == pid, s.isRemoteUpdate, s.anonBytes >= UInt64(bytes - (1 << 20)) { true } else { false } }
        }
        let remote = events.compactMap { event -> ProcessRSSSample? in
            if case .processRSS(let s) = event, s.isRemoteUpdate { s } else { nil }
        }
        let target = try XCTUnwrap(remote.last { $0.tgid == pid }, "remote RSS records of pid \(pid); remote records: \(remote.map(\.tgid))")
        XCTAssertGreaterThanOrEqual(target.anonBytes, UInt64(bytes - (1 << 20)), "the written pages count in the target's anon RSS (less the per-CPU counter slack)")
        XCTAssertEqual(target.pid, pid)
        XCTAssertFalse(remote.contains { $0.tgid == getpid() }, "nothing is attributed to the writer")
        kill(pid, SIGKILL)
        _ = cgroup.wait(pid, timeout: 5)
    }
}
