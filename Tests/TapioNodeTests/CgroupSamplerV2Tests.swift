import XCTest

@testable import TapioNode

/// cgroup v2 (production): the systemd-driver tree on a 6.8-format kernel, the CRI-O tree, and
/// the cgroupfs-driver tree on a 5.4-format kernel (no "kernel" line in memory.stat).
final class CgroupSamplerV2Tests: XCTestCase {
    typealias F = CgroupFixtures

    func testDetectsV2AtTheRoot() throws {
        let hierarchy = try CgroupHierarchy.detect(cgroupRoot: F.path("cgroup-v2-systemd"))
        XCTAssertEqual(hierarchy, CgroupHierarchy(version: .v2, rootDirectory: F.path("cgroup-v2-systemd")))
    }

    func testDetectionFailsClearlyWithoutAHierarchy() {
        XCTAssertThrowsError(try CgroupHierarchy.detect(cgroupRoot: F.path("proc"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("no memory cgroup hierarchy under "), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testBurstableContainerSample() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-systemd"), selection: .paths([F.v2APIPath]))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        let sample = try XCTUnwrap(round.samples.first)
        let directory = F.path("cgroup-v2-systemd") + F.v2APIPath
        XCTAssertEqual(sample, CgroupMemorySample(
            cgroupId: F.inode(directory), cgroupPath: F.v2APIPath, version: .v2,
            usageBytes: F.API.usage, limitBytes: 256 * F.MiB, effectiveLimitBytes: 256 * F.MiB,
            anonBytes: F.API.anon, fileBytes: F.API.file, inactiveFileBytes: F.API.inactiveFile,
            activeFileBytes: F.API.activeFile, shmemBytes: F.API.shmem, kernelBytes: F.API.kernel, swapBytes: 0,
            oomEvents: 3, oomKillEvents: 2, underOOM: nil, limitHitCount: 1523,
            pgscan: 18432, pgsteal: 15360, pgmajfault: 87, workingsetRefault: 2210,
            pressure: MemoryPressure(
                some: PressureStall(avg10: 4.37, avg60: 2.11, avg300: 0.62, totalMicroseconds: 31_337_421),
                full: PressureStall(avg10: 3.98, avg60: 1.93, avg300: 0.57, totalMicroseconds: 29_876_543))))
        XCTAssertEqual(sample.workingSetBytes, F.API.usage - F.API.inactiveFile)
        XCTAssertEqual(sample.headroomBytes, 256 * F.MiB - F.API.usage)
        XCTAssertGreaterThan(round.timestampNanoseconds, 1_700_000_000 * 1_000_000_000)
    }

    func testEffectiveLimitIsTheMinimumOverAncestors() throws {
        var sampler = try CgroupSampler(
            cgroupRoot: F.path("cgroup-v2-systemd"), selection: .paths([F.v2DBPath, F.v2BatchPath, F.v2DockerPath]))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        let byPath = Dictionary(uniqueKeysWithValues: round.samples.map { ($0.cgroupPath, $0) })
        // Guaranteed: own 512 MiB, pod 512 MiB, kubepods.slice 7.5 GiB.
        XCTAssertEqual(byPath[F.v2DBPath]?.limitBytes, 512 * F.MiB)
        XCTAssertEqual(byPath[F.v2DBPath]?.effectiveLimitBytes, 512 * F.MiB)
        // Best effort: unlimited itself, bounded by node allocatable on kubepods.slice.
        XCTAssertNil(byPath[F.v2BatchPath]?.limitBytes)
        XCTAssertEqual(byPath[F.v2BatchPath]?.effectiveLimitBytes, 7 * F.GiB + 512 * F.MiB)
        // Plain Docker under system.slice: its own limit only.
        XCTAssertEqual(byPath[F.v2DockerPath]?.effectiveLimitBytes, 128 * F.MiB)
    }

    func testAncestorLimitsAreCachedForTheirTTL() throws {
        let root = try copyOfTree("cgroup-v2-systemd")
        let kubepods = root + "/kubepods.slice/memory.max"
        var cached = try CgroupSampler(cgroupRoot: root, selection: .paths([F.v2BatchPath]), ancestorLimitTTL: .seconds(3600))
        var uncached = try CgroupSampler(cgroupRoot: root, selection: .paths([F.v2BatchPath]), ancestorLimitTTL: .zero)
        XCTAssertEqual(cached.sample().samples.first?.effectiveLimitBytes, 7 * F.GiB + 512 * F.MiB)
        XCTAssertEqual(uncached.sample().samples.first?.effectiveLimitBytes, 7 * F.GiB + 512 * F.MiB)
        try "\(6 * F.GiB)\n".write(toFile: kubepods, atomically: false, encoding: .utf8)
        XCTAssertEqual(cached.sample().samples.first?.effectiveLimitBytes, 7 * F.GiB + 512 * F.MiB, "served from cache")
        XCTAssertEqual(uncached.sample().samples.first?.effectiveLimitBytes, 6 * F.GiB, "read again")
    }

    func testSubtreeListingSkipsCgroupsWithoutTheMemoryController() throws {
        let sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-systemd"), selection: .subtree("/", maxDepth: nil))
        let paths = sampler.listCgroups()
        XCTAssertFalse(paths.contains("/"), "the v2 root has no memory.current")
        XCTAssertFalse(paths.contains("/init.scope"), "no memory controller enabled there")
        XCTAssertEqual(paths.count, 14)
        XCTAssertTrue(paths.contains(F.v2APIPath))
        XCTAssertTrue(paths.contains("/system.slice/sshd.service"))
        let shallow = try CgroupSampler(
            cgroupRoot: F.path("cgroup-v2-systemd"), selection: .subtree("/kubepods.slice", maxDepth: 1))
        XCTAssertEqual(shallow.listCgroups().count, 4)
    }

    func testWholeTreeSamplesWithoutErrors() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-systemd"))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        XCTAssertEqual(round.samples.count, 14)
        XCTAssertEqual(Set(round.samples.map(\.cgroupId)).count, 14, "inodes are distinct cgroup ids")
    }

    func testCRIOTree() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-systemd-crio"))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        let container = try XCTUnwrap(round.samples.first { $0.cgroupPath.hasSuffix("crio-\(F.webID).scope") })
        // Own 512 MiB, but the pod slice caps it at 384 MiB.
        XCTAssertEqual(container.limitBytes, 512 * F.MiB)
        XCTAssertEqual(container.effectiveLimitBytes, 384 * F.MiB)
        let conmon = try XCTUnwrap(round.samples.first { $0.cgroupPath.contains("crio-conmon-") })
        XCTAssertEqual(conmon.usageBytes, 0)
    }

    func testLinux54FormatWithoutKernelLine() throws {
        let apiPath = "/kubepods/burstable/pod\(F.burstableUID)/\(F.apiID)"
        let batchPath = "/kubepods/besteffort/pod\(F.besteffortUID)/\(F.batchID)"
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-cgroupfs"), selection: .paths([apiPath, batchPath]))
        let round = sampler.sample()
        XCTAssertEqual(round.errors, [])
        let api = try XCTUnwrap(round.samples.first)
        // 5.4 has no "kernel", "pagetables" or "percpu": kernel_stack + slab + sock.
        XCTAssertEqual(api.kernelBytes, F.API.kernelStack + F.API.slab)
        XCTAssertEqual(api.workingsetRefault, 2210, "single workingset_refault line")
        XCTAssertEqual(api.oomKillEvents, 2)
        XCTAssertEqual(api.effectiveLimitBytes, 256 * F.MiB)
        let batch = try XCTUnwrap(round.samples.last)
        XCTAssertNil(batch.swapBytes, "no memory.swap.current without swap accounting")
        XCTAssertEqual(batch.effectiveLimitBytes, 6 * F.GiB)
    }

    /// A private, writable copy of a fixture tree (removed at the end of the test).
    private func copyOfTree(_ name: String) throws -> String {
        let target = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-fixture-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.copyItem(atPath: F.path(name), toPath: target)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: target) }
        return target
    }
}
