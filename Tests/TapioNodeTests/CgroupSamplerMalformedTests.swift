import XCTest

@testable import TapioNode

/// Broken files give one clear one-line error for their cgroup; the others are still sampled.
final class CgroupSamplerMalformedTests: XCTestCase {
    typealias F = CgroupFixtures

    private func problems(_ round: CgroupSamplingRound) -> [String: KernelFileProblem] {
        Dictionary(uniqueKeysWithValues: round.errors.map { (String($0.cgroupPath.split(separator: "/").last!), $0.problem) })
    }

    func testV2MalformedFilesDoNotStopTheOthers() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v2-malformed"), selection: .subtree("/kubepods", maxDepth: nil))
        let round = sampler.sample()
        XCTAssertEqual(round.samples.map(\.cgroupPath), ["/kubepods", "/kubepods/a-good", "/kubepods/h-good-no-psi-no-swap"])
        let problems = problems(round)
        XCTAssertEqual(problems.count, 6)
        XCTAssertEqual(problems["b-empty-current"], .empty)
        XCTAssertEqual(problems["c-garbage-max"],
                       .malformed(line: 1, text: "12x4567", expected: "\"max\" or an unsigned decimal number"))
        XCTAssertEqual(problems["d-missing-stat"], .missing)
        guard case .truncated(let lines) = problems["e-truncated-stat"] else {
            return XCTFail("expected truncated, got \(String(describing: problems["e-truncated-stat"]))")
        }
        XCTAssertEqual(lines, 21)
        XCTAssertEqual(problems["f-stat-without-file"], .missingField("file"))
        guard case .malformed(line: 1, _, _) = problems["g-bad-pressure"] else {
            return XCTFail("expected malformed pressure, got \(String(describing: problems["g-bad-pressure"]))")
        }
        for error in round.errors {
            XCTAssertFalse(error.description.contains("\n"), error.description)
            XCTAssertTrue(error.filePath.hasPrefix(F.path("cgroup-v2-malformed") + error.cgroupPath + "/memory."), error.filePath)
        }
        let good = try XCTUnwrap(round.samples.last)
        XCTAssertNil(good.pressure, "memory.pressure absent")
        XCTAssertNil(good.swapBytes, "memory.swap.current absent")
        XCTAssertEqual(good.effectiveLimitBytes, 2 * F.GiB)
        // The message names the file and says what is wrong.
        let truncated = try XCTUnwrap(round.errors.first { $0.cgroupPath == "/kubepods/e-truncated-stat" })
        XCTAssertEqual(truncated.description,
                       "cgroup /kubepods/e-truncated-stat: \(F.path("cgroup-v2-malformed"))/kubepods/e-truncated-stat/memory.stat: "
                       + "truncated after 21 complete lines (no final newline)")
    }

    func testV1MalformedFilesDoNotStopTheOthers() throws {
        var sampler = try CgroupSampler(cgroupRoot: F.path("cgroup-v1-malformed"), selection: .subtree("/", maxDepth: 1))
        let round = sampler.sample()
        XCTAssertEqual(round.samples.map(\.cgroupPath), ["/", "/a-good", "/e-no-memsw-no-kmem"])
        let problems = problems(round)
        XCTAssertEqual(problems["b-garbage-usage"], .malformed(line: 1, text: "-1", expected: "an unsigned decimal number"))
        XCTAssertEqual(problems["c-truncated-stat"], .truncated(afterLines: 23))
        XCTAssertEqual(problems["d-missing-oom-control"], .missing)
        let plain = try XCTUnwrap(round.samples.last)
        XCTAssertNil(plain.kernelBytes, "no memory.kmem.usage_in_bytes")
        XCTAssertEqual(plain.swapBytes, 0, "from total_swap without memsw")
    }

    func testVanishedAndUnknownCgroups() throws {
        var sampler = try CgroupSampler(
            cgroupRoot: F.path("cgroup-v2-malformed"), selection: .paths(["/kubepods/gone", "/kubepods/a-good"]))
        let round = sampler.sample()
        XCTAssertEqual(round.samples.count, 1)
        XCTAssertEqual(round.errors.first?.problem, .noSuchCgroup)
        XCTAssertTrue(round.errors.first?.isVanished ?? false)
    }
}
