import XCTest
import TapioTestSupport
@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// Ring-buffer loss on the real kernel (root and BPF, otherwise skipped).
final class KernelLossTests: XCTestCase {
    func testNoLossAtModerateRate() throws {
        // 1 MiB threshold over an 8 MiB map/touch/unmap loop: thousands of records a second.
        let probe = try KernelTestSupport.startProbe(BPFProbeOptions(rssThresholdBytes: 1 << 20, ringBufferBytes: 4 << 20, pageActivity: true))
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }

        let pid = try cgroup.spawn([workload, "pagefaults", "--mib", "8", "--seconds", "2"])
        let events = try KernelTestSupport.collect(probe, timeout: 20) { events in
            events.contains { if case .processExit(let e) = $0, e.pid == pid { true } else { false } }
        }
        _ = cgroup.wait(pid, timeout: 5)

        let rss = events.filter { if case .processRSS(let s) = $0, s.tgid == pid { true } else { false } }
        XCTAssertGreaterThan(rss.count, 100, "the workload produced a steady stream of RSS records")
        let counters = try probe.readCounters()
        XCTAssertEqual(counters.ringBufferDrops, 0, "no loss at \(rss.count) records in 2 s: \(counters)")
        XCTAssertEqual(probe.undecodableRecords, 0)
        XCTAssertGreaterThanOrEqual(counters.rssFullPasses, counters.rssRecords)
        XCTAssertLessThan(counters.rssFullPasses * 4, counters.rssUpdates, "the per-CPU fast path answers most updates: \(counters)")

        let pages = try probe.readCgroupPageCounters()
        let ours = try XCTUnwrap(pages[cgroup.inode], "page counters for the test cgroup")
        XCTAssertGreaterThan(ours.allocatedPages, 2 * 2048, "8 MiB touched many times")
    }

    func testTinyRingBufferCountsAndReportsLoss() throws {
        // One page of ring, a record for every RSS change, and nobody reading for a while.
        let probe = try KernelTestSupport.startProbe(BPFProbeOptions(rssThresholdBytes: 0, rssMinIntervalNs: 0, ringBufferBytes: UInt32(sysconf(Int32(_SC_PAGESIZE)))))
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }

        let before = try probe.readCounters().ringBufferDrops
        let pid = try cgroup.spawn([workload, "pagefaults", "--mib", "4", "--seconds", "0.5"])
        XCTAssertNotNil(cgroup.wait(pid, timeout: 15))
        let events = try probe.poll(timeoutMilliseconds: 0)
        let counters = try probe.readCounters()
        XCTAssertGreaterThan(counters.ringBufferDrops, before, "drops counted with a one-page ring (\(events.count) records got through)")
        XCTAssertLessThan(events.count, 4096 / MemoryLayout<UInt64>.size, "a page cannot hold more records than that")
    }
}

extension KernelLossTests {
    /// Page counting is opt-in: by default its two programs are neither loaded nor attached.
    func testPageActivityProgramsAreOffByDefault() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        XCTAssertFalse(probe.attachedPrograms.contains("tapio_page_alloc"), "\(probe.attachedPrograms)")
        XCTAssertTrue(probe.attachedPrograms.contains("tapio_rss_stat"))
        XCTAssertTrue(probe.attachedPrograms.contains("tapio_mark_victim"))
        XCTAssertEqual(try probe.readCgroupPageCounters().count, 0)
    }
}
