import XCTest
import TapioTestSupport
@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// Process lifecycle records on the real kernel (root and BPF, otherwise skipped).
final class KernelLifecycleTests: XCTestCase {
    func testProcessInNewPIDNamespaceIsReportedWithLevelAndNamespacePID() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        guard access("/usr/bin/unshare", X_OK) == 0 else { throw XCTSkip("needs /usr/bin/unshare (util-linux)") }
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }

        // sh (pid P) moves into the cgroup and execs unshare, which forks the namespace's pid 1.
        let unsharePID = try cgroup.spawn(["/usr/bin/unshare", "--pid", "--fork", workload, "plateau", "--mib", "1", "--hold-seconds", "0.3"])
        let events = try KernelTestSupport.collect(probe, timeout: 15) { events in
            events.contains { if case .processExit(let e) = $0, e.pid == unsharePID { true } else { false } }
        }
        XCTAssertNotNil(cgroup.wait(unsharePID, timeout: 5))

        let starts = events.compactMap { event -> ProcessLifecycleEvent? in
            if case .processStart(let e) = event { e } else { nil }
        }
        let unshare = try XCTUnwrap(starts.last { $0.pid == unsharePID && $0.kind == .exec }, "exec of unshare")
        XCTAssertEqual(unshare.comm, "unshare")
        XCTAssertEqual(unshare.pidNamespaceLevel, 0)
        XCTAssertFalse(unshare.isContainerised)

        let child = try XCTUnwrap(starts.first { $0.ppid == unsharePID && $0.kind == .fork }, "fork of the namespace's first process")
        XCTAssertGreaterThan(child.pidNamespaceLevel, 0)
        XCTAssertTrue(child.isContainerised)
        XCTAssertEqual(child.namespacePID, 1)
        XCTAssertNotEqual(child.pid, 1)
        XCTAssertEqual(child.cgroupID, cgroup.inode)

        let exec = try XCTUnwrap(starts.first { $0.pid == child.pid && $0.kind == .exec }, "exec of the workload inside the namespace")
        XCTAssertEqual(exec.comm, "tapio-workload")
        XCTAssertEqual(exec.pidNamespaceLevel, child.pidNamespaceLevel)
        XCTAssertEqual(exec.namespacePID, 1)

        let exits = events.compactMap { event -> ProcessLifecycleEvent? in
            if case .processExit(let e) = event, e.pid == child.pid { e } else { nil }
        }
        XCTAssertEqual(exits.count, 1)
        XCTAssertEqual(exits.first?.namespacePID, 1)
        XCTAssertEqual(exits.first?.exitStatus, 0)
    }

    func testMultiThreadedProcessExitYieldsExactlyOneExitRecord() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }

        let pid = try cgroup.spawn([workload, "threads", "--count", "8", "--seconds", "0.5"])
        var events = try KernelTestSupport.collect(probe, timeout: 15) { events in
            events.contains { if case .processExit(let e) = $0, e.pid == pid { true } else { false } }
        }
        let status = cgroup.wait(pid, timeout: 5)
        events += try KernelTestSupport.collect(probe, timeout: 0.5) { _ in false }  // stragglers

        let exits = events.compactMap { event -> ProcessLifecycleEvent? in
            if case .processExit(let e) = event, e.pid == pid { e } else { nil }
        }
        XCTAssertEqual(exits.count, 1, "one exit record for 9 threads, got \(exits)")
        XCTAssertEqual(exits.first?.exitStatus, 0)
        XCTAssertEqual(exits.first?.comm, "tapio-workload")
        XCTAssertEqual(exits.first?.cgroupID, cgroup.inode)
        if let status { XCTAssertEqual(status, 0) }

        let threadForks = events.filter { if case .processStart(let e) = $0, e.kind == .fork, e.ppid == pid { true } else { false } }
        XCTAssertTrue(threadForks.isEmpty, "threads are not reported as new processes: \(threadForks)")
    }

    func testOOMScoreAdjWriteIsMetadataNotAKill() throws {
        let probe = try KernelTestSupport.startProbe()
        defer { probe.close() }
        let workload = try KernelTestSupport.workloadPath()
        let cgroup = try TestCgroup(limitBytes: 64 << 20)
        defer { cgroup.remove() }

        let pid = try cgroup.spawn([workload, "plateau", "--mib", "1", "--hold-seconds", "2"])
        usleep(300_000)
        let fd = open("/proc/\(pid)/oom_score_adj", O_WRONLY)
        guard fd >= 0 else { return XCTFail("open /proc/\(pid)/oom_score_adj: \(String(cString: strerror(errno)))") }
        _ = Array("500".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let events = try KernelTestSupport.collect(probe, timeout: 5) { events in
            events.contains { if case .oomScoreAdjUpdate(let e) = $0, e.tgid == pid { true } else { false } }
        }
        kill(pid, SIGTERM)
        _ = cgroup.wait(pid, timeout: 5)

        let update = try XCTUnwrap(events.compactMap { event -> OOMScoreAdjUpdate? in
            if case .oomScoreAdjUpdate(let e) = event, e.tgid == pid { e } else { nil }
        }.first)
        XCTAssertEqual(update.oomScoreAdj, 500)
        XCTAssertEqual(update.comm, "tapio-workload")
        XCTAssertEqual(update.cgroupID, cgroup.inode)
        XCTAssertFalse(events.contains { if case .oomKill(let k) = $0, k.victimTGID == pid { true } else { false } })
    }
}
