import TapioWire
import XCTest
import TapioTestSupport
@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// An exporter limited to cgroup subtrees reports only those cgroups' kernel records.
final class CgroupScopeTests: XCTestCase {
    private func rss(_ cgroup: UInt64) -> Record {
        Record(timestampNs: 1, body: .processRSS(ProcessRSS(pid: 7, tgid: 7, cgroupId: cgroup, anonBytes: 1, fileBytes: 0, shmemBytes: 0, swapBytes: 0)))
    }

    private func kill(_ cgroup: UInt64) -> Record {
        Record(timestampNs: 2, body: .oomKill(OOMKill(
            pid: 9, triggerPid: 9, cgroupId: cgroup, totalVmKiB: 1, anonRssKiB: 1, fileRssKiB: 0, shmemRssKiB: 0,
            pageTablesKiB: 0, uid: 0, oomScoreAdj: 0, comm: "x")))
    }

    private let loss = Record(timestampNs: 3, body: .lossReport(LossReport(source: .ringBuffer, lostRecords: 4)))

    func testKeepsWatchedCgroupsAndRecordsAboutNoCgroupDropsTheRest() {
        var scope = CgroupScope()
        scope.update([10, 11])
        let (kept, unknownKill) = scope.filter([rss(10), rss(99), loss, kill(11)])
        XCTAssertEqual(kept, [rss(10), loss, kill(11)])
        XCTAssertFalse(unknownKill)
    }

    func testAKillInAnUnknownCgroupAsksForAFreshListing() {
        var scope = CgroupScope()
        scope.update([10])
        XCTAssertTrue(scope.filter([kill(12)]).unknownKill)
        XCTAssertFalse(scope.filter([rss(12)]).unknownKill, "only kills are worth listing again")
    }

    func testACgroupGoneInTheLatestRoundStillOwnsItsLateKill() {
        var scope = CgroupScope()
        scope.update([10, 11])
        scope.update([10])  // 11 was removed right after its OOM kill
        XCTAssertEqual(scope.filter([kill(11)]).kept, [kill(11)])
        scope.update([10, 12])
        XCTAssertEqual(scope.filter([kill(11)]).kept, [], "two rounds later it is forgotten")
    }
}

/// The scoped sensor on the real kernel: a kill in a sibling cgroup outside the watched
/// subtree is not reported, a kill inside is (root and BPF, otherwise skipped).
final class ScopedSensorKernelTests: XCTestCase {
    func testScopedSensorReportsKillsInsideItsSubtreeOnly() throws {
        _ = try KernelTestSupport.startProbe().close()  // skip with the reason where BPF cannot run
        let workload = try KernelTestSupport.workloadPath()
        let watched = try TestCgroup(limitBytes: 48 << 20)
        defer { watched.remove() }
        let outside = try TestCgroup(limitBytes: 48 << 20)
        defer { outside.remove() }
        let relative = watched.relativePath
        let sensor = try NodeSensor(options: NodeSensorOptions(cgroupSubtrees: [relative]), log: { _ in })

        let outsidePid = try outside.spawn([workload, "leak", "--rate-mib-per-sec", "200", "--step-mib", "8", "--max-seconds", "10"])
        let watchedPid = try watched.spawn([workload, "leak", "--rate-mib-per-sec", "200", "--step-mib", "8", "--max-seconds", "10"])
        var records: [Record] = []
        var deadline = Date().addingTimeInterval(20)
        var bothKilled = false
        sensor.run(shouldStop: {
            if !bothKilled, outside.oomKillCount >= 1,
                records.contains(where: { if case .oomKill(let k) = $0.body { k.pid == UInt32(watchedPid) } else { false } })
            {
                bothKilled = true
                deadline = min(deadline, Date().addingTimeInterval(1.5))  // room for a late outside record
            }
            return Date() > deadline
        }, emit: { records += $0 })
        _ = watched.wait(watchedPid, timeout: 5)
        _ = outside.wait(outsidePid, timeout: 5)

        XCTAssertGreaterThanOrEqual(outside.oomKillCount, 1, "the outside workload was OOM-killed too")
        let kills = records.compactMap { record -> OOMKill? in if case .oomKill(let k) = record.body { k } else { nil } }
        XCTAssertTrue(kills.contains { $0.pid == UInt32(watchedPid) && $0.cgroupId == watched.inode }, "the watched kill: \(kills)")
        XCTAssertFalse(kills.contains { $0.cgroupId == outside.inode }, "nothing from the sibling outside the subtree: \(kills)")
        XCTAssertFalse(records.contains { $0.cgroupId == outside.inode }, "no record at all about the outside cgroup")
        XCTAssertTrue(records.contains { if case .memorySample(let s) = $0.body { s.cgroupId == watched.inode } else { false } })
    }
}
