import XCTest

@testable import TapioNode

/// cgroup v1 (this machine's layout): cgroupfs and systemd drivers, hierarchical total_ fields.
final class CgroupSamplerV1Tests: XCTestCase {
    typealias F = CgroupFixtures

    func testDetectsV1BelowTheRootAndAtTheMemoryHierarchy() throws {
        let root = F.path("cgroup-v1-cgroupfs")
        XCTAssertEqual(try CgroupHierarchy.detect(cgroupRoot: root), CgroupHierarchy(version: .v1, rootDirectory: root + "/memory"))
        XCTAssertEqual(try CgroupHierarchy.detect(cgroupRoot: root + "/memory/"),
                       CgroupHierarchy(version: .v1, rootDirectory: root + "/memory"))
    }

    func testContainerSampleCgroupfs() throws {
        let path = "/kubepods/burstable/pod\(F.burstableUID)/\(F.apiID)"
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v1-cgroupfs"), selection: .paths([path]))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        XCTAssertEqual(round.samples, [CgroupMemorySample(
            cgroupId: F.inode(F.path("cgroup-v1-cgroupfs/memory") + path), cgroupPath: path, version: .v1,
            usageBytes: F.API.usage, limitBytes: 256 * F.MiB, effectiveLimitBytes: 256 * F.MiB,
            anonBytes: F.API.anon, fileBytes: F.API.file, inactiveFileBytes: F.API.inactiveFile,
            activeFileBytes: F.API.activeFile, shmemBytes: F.API.shmem,
            kernelBytes: F.API.kernel,  // memory.kmem.usage_in_bytes
            swapBytes: 0,  // memsw.usage - usage
            oomEvents: nil, oomKillEvents: 2, underOOM: false, limitHitCount: 1523,
            pgscan: nil, pgsteal: nil, pgmajfault: 87, workingsetRefault: 2210, pressure: nil)])
    }

    /// A pod cgroup holds (almost) no pages itself: its local memory.stat lines are 0 while
    /// total_ lines add up its containers, matching its hierarchical usage_in_bytes.
    func testPodCgroupUsesHierarchicalTotals() throws {
        let path = "/kubepods/burstable/pod\(F.burstableUID)"
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v1-cgroupfs"), selection: .paths([path]))
        let sample = try XCTUnwrap(sampler.sample().samples.first)
        XCTAssertEqual(sample.anonBytes, F.API.anon)
        XCTAssertEqual(sample.fileBytes, F.API.file)
        XCTAssertEqual(sample.usageBytes, F.API.usage)
        XCTAssertNil(sample.limitBytes)
        XCTAssertEqual(sample.effectiveLimitBytes, 6 * F.GiB, "hierarchical_memory_limit from kubepods")
    }

    func testSystemdTreeAndRoot() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v1-systemd"))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        // root, kubepods.slice, guaranteed pod + crio container, burstable slice + pod + docker
        // container, besteffort slice + pod + containerd container, system.slice + docker scope.
        XCTAssertEqual(round.samples.count, 12)
        let root = try XCTUnwrap(round.samples.first)
        XCTAssertEqual(root.cgroupPath, "/")
        XCTAssertNil(root.limitBytes)
        XCTAssertNil(root.effectiveLimitBytes)
        let docker = try XCTUnwrap(round.samples.first { $0.cgroupPath == "/system.slice/docker-\(F.dockerSystemdID).scope" })
        XCTAssertEqual(docker.effectiveLimitBytes, 128 * F.MiB)
    }

    /// Without hierarchical_memory_limit (old kernels) the sampler walks the ancestors.
    func testAncestorWalkWhenHierarchicalLimitIsAbsent() throws {
        let target = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-v1-walk-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.copyItem(atPath: F.path("cgroup-v1-cgroupfs"), toPath: target)
        defer { try? FileManager.default.removeItem(atPath: target) }
        let path = "/kubepods/besteffort/pod\(F.besteffortUID)/\(F.batchID)"
        let statFile = target + "/memory" + path + "/memory.stat"
        let stat = try String(contentsOfFile: statFile, encoding: .utf8)
        let without = stat.split(separator: "\n").filter { !$0.hasPrefix("hierarchical_") }.joined(separator: "\n") + "\n"
        try without.write(toFile: statFile, atomically: false, encoding: .utf8)
        var sampler = try CgroupSampler(cgroupRoot: target, selection: .paths([path]))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        XCTAssertEqual(round.samples.first?.effectiveLimitBytes, 6 * F.GiB)
    }
}
