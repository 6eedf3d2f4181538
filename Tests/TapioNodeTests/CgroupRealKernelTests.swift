import Foundation
import XCTest
import TapioTestSupport

@testable import TapioNode

/// The sampler on this machine's real cgroup v1 memory hierarchy. It creates a child cgroup
/// (and a grandchild) ONLY under the test process's own memory cgroup (`TestCgroup`), runs a
/// bounded allocating process inside, and always kills that process by pid and removes both
/// directories, also when an assertion fails.
final class CgroupRealKernelTests: XCTestCase {
    private static let limit: UInt64 = 32 << 20
    private static let grandchildLimit: UInt64 = 64 << 20
    private static let allocation = 16 << 20

    func testSamplerReadsARealCgroupWhileAProcessAllocates() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to create a memory cgroup") }
        let hierarchy: CgroupHierarchy
        do {
            hierarchy = try CgroupHierarchy.detect()
        } catch {
            throw XCTSkip("no memory cgroup hierarchy on this machine: \(error)")
        }
        guard hierarchy.version == .v1 else {
            throw XCTSkip("cgroup v2: a child of the test's own (populated) cgroup cannot hold processes; v1 only")
        }
        let procSelf = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        guard let own = CgroupHierarchy.memoryCgroupPath(procCgroup: procSelf, version: .v1) else {
            throw XCTSkip("no memory line in /proc/self/cgroup")
        }
        let childGroup = try TestCgroup(limitBytes: Self.limit)
        let grandchildGroup = try TestCgroup(limitBytes: Self.grandchildLimit, name: "inner", parent: childGroup)
        // Where the detector says this process lives, not where the test helper put it.
        let childPath = (own == "/" ? "" : own) + "/" + URL(fileURLWithPath: childGroup.path).lastPathComponent
        let grandchildPath = childPath + "/" + URL(fileURLWithPath: grandchildGroup.path).lastPathComponent
        let childDirectory = hierarchy.directory(for: childPath)
        XCTAssertEqual(childDirectory, childGroup.path)
        var worker: Process?
        defer {
            if let worker, worker.isRunning {
                kill(worker.processIdentifier, SIGKILL)
                worker.waitUntilExit()
            }
            grandchildGroup.remove()
            childGroup.remove()
            for group in [grandchildGroup, childGroup] {
                XCTAssertNotEqual(access(group.path, F_OK), 0, "test cgroup \(group.path) left behind")
            }
        }

        var sampler = CgroupSampler(hierarchy: hierarchy, selection: .paths([childPath, grandchildPath]))
        let before = sampler.sample()
        XCTAssertEqual(before.errors, [])
        let child = try XCTUnwrap(before.samples.first)
        XCTAssertEqual(child.cgroupPath, childPath)
        XCTAssertEqual(child.cgroupId, inode(childDirectory), "cgroup id is the directory's inode")
        XCTAssertEqual(child.limitBytes, Self.limit)
        XCTAssertEqual(child.effectiveLimitBytes, Self.limit)
        XCTAssertEqual(child.version, .v1)
        let grandchild = try XCTUnwrap(before.samples.last)
        XCTAssertEqual(grandchild.limitBytes, Self.grandchildLimit)
        XCTAssertEqual(grandchild.effectiveLimitBytes, Self.limit, "capped by the parent")

        // A process that moves itself into the child cgroup, then touches 16 MiB and waits.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            "echo $$ > '\(childDirectory)/cgroup.procs' && exec python3 -c 'import time; data = b\"x\" * \(Self.allocation); time.sleep(60)'",
        ]
        try process.run()
        worker = process

        var grown: CgroupMemorySample?
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, process.isRunning {
            // Usage counts python's page cache too, so it can grow by 16 MiB before the 16 MiB
            // of anonymous memory is all there: wait for both.
            if let sample = try? sampler.sample(path: childPath), sample.usageBytes >= child.usageBytes + UInt64(Self.allocation),
                sample.anonBytes >= UInt64(Self.allocation)
            {
                grown = sample
                break
            }
            usleep(50_000)
        }
        let sample = try XCTUnwrap(grown, "usage and anon did not grow by 16 MiB within 15 s (process running: \(process.isRunning))")
        XCTAssertGreaterThanOrEqual(sample.anonBytes, UInt64(Self.allocation))
        XCTAssertLessThanOrEqual(sample.usageBytes, Self.limit)
        XCTAssertEqual(sample.cgroupId, child.cgroupId)
        let procs = try String(contentsOfFile: childDirectory + "/cgroup.procs", encoding: .utf8)
        XCTAssertTrue(procs.split(separator: "\n").contains(Substring(String(process.processIdentifier))))
        var reader = ProcessCommandReader()
        XCTAssertEqual(reader.mainCommand(cgroupDirectory: childDirectory), "python3")
    }

    private func inode(_ path: String) -> UInt64 {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        return UInt64(info.st_ino)
    }
}
