import XCTest
import TapioTestSupport
@testable import TapioNode
import TapioWire

#if canImport(Glibc)
import Glibc
#endif

/// kmem:rss_stat attached for a window of every period, on the real kernel (root and BPF,
/// otherwise skipped): detached it costs nothing and sees nothing, and a process that keeps
/// growing is still reported.
final class KernelRSSDutyCycleTests: XCTestCase {
    func testDetachedRSSProgramRunsForNoFaultAndReattachedRunsForEvery() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }
        XCTAssertTrue(probe.rssAttached)

        try probe.setRSSAttached(false)
        XCTAssertFalse(probe.rssAttached)
        let detachedBefore = try probe.readCounters().rssUpdates
        let quiet = try cgroup.spawn([workload, "pagefaults", "--mib", "8", "--seconds", "0.5"])
        XCTAssertEqual(cgroup.wait(quiet, timeout: 15), 0)
        // Every process on the machine faults through rss_stat; detached, none of them runs it.
        XCTAssertEqual(try probe.readCounters().rssUpdates, detachedBefore, "no rss_stat hit while detached")

        try probe.setRSSAttached(true)
        XCTAssertEqual(probe.rssAttachments, 2)
        let attachedBefore = try probe.readCounters().rssUpdates
        let busy = try cgroup.spawn([workload, "pagefaults", "--mib", "8", "--seconds", "0.5"])
        XCTAssertEqual(cgroup.wait(busy, timeout: 15), 0)
        let hits = try probe.readCounters().rssUpdates - attachedBefore
        // 8 MiB touched over and over for 0.5 s: tens of thousands of faults, one hit each.
        XCTAssertGreaterThan(hits, 10_000, "rss_stat runs again once re-attached")
        let events = try probe.poll(timeoutMilliseconds: 0)
        XCTAssertTrue(events.contains { if case .processRSS(let s) = $0, s.tgid == busy { true } else { false } },
                      "RSS records for the process that ran while attached")
    }

    func testSensorOnTheDefaultDutyCycleStillReportsAGrowingProcess() throws {
        _ = try KernelTestSupport.startProbe().close()  // skip with the reason where BPF cannot run
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 256 << 20)
        defer { cgroup.remove() }
        let relative = cgroup.relativePath
        let sensor = try NodeSensor(options: NodeSensorOptions(cgroupSubtrees: [relative]), log: { _ in })
        XCTAssertEqual(sensor.options.rssDutyCycle, .standard)

        // 20 MiB/s in 2 MiB steps for 6 s: 120 MiB, under the limit.
        let pid = try cgroup.spawn([workload, "leak", "--rate-mib-per-sec", "20", "--step-mib", "2", "--max-seconds", "6"])
        var records: [Record] = []
        let deadline = Date().addingTimeInterval(6.5)
        sensor.run(shouldStop: { Date() > deadline }, emit: { records += $0 })
        _ = cgroup.wait(pid, timeout: 5)

        let anon = records.compactMap { record -> UInt64? in
            if case .processRSS(let r) = record.body, r.tgid == UInt32(pid), r.cgroupId == cgroup.inode { r.anonBytes } else { nil }
        }
        XCTAssertGreaterThanOrEqual(anon.count, 3, "RSS records in several windows: \(anon)")
        XCTAssertGreaterThan(anon.last ?? 0, (anon.first ?? .max) + (40 << 20), "the growth is seen: \(anon)")
        XCTAssertGreaterThanOrEqual(sensor.rssAttachments, 5, "one window a second")
        XCTAssertLessThanOrEqual(sensor.rssAttachments, 9)
    }
}
