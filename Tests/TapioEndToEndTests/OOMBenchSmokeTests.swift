import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Keeps `make bench-oom` from rotting: the smoke suite (one fast leak the kernel OOM-kills, one
/// plateau) runs for real with the exporter recording and the aggregator live, is scored, and
/// scoring the kept dump again gives the same report.
final class OOMBenchSmokeTests: XCTestCase {
    func testSmokeSuiteRecordsTheRealKillAndScoresDeterministically() throws {
        guard geteuid() == 0 else { throw XCTSkip("the OOM benchmark needs root (memory cgroups and the exporter's BPF programs)") }
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.usage_in_bytes") else {
            throw XCTSkip("the OOM benchmark needs a cgroup v1 memory hierarchy at /sys/fs/cgroup/memory")
        }
        let harness = try ProcessHarness(name: "oombench")
        defer { harness.tearDown() }
        let dump = harness.path("smoke.dump")
        let (status, _) = try harness.run(
            "tapio-oom-bench",
            ["run", "--smoke", "--dump", dump, "--workdir", harness.path("work"), "--output", harness.path("oom.md"),
             "--json", harness.path("oom.json")],
            label: "bench", timeout: 180)
        let log = harness.text("bench.err")
        if status != 0, log.contains("exporter did not connect"), log.contains("BPF") {
            throw XCTSkip("the exporter cannot load its BPF programs here: \(log)")
        }
        XCTAssertEqual(status, 0, "tapio-oom-bench run --smoke failed: \(log)")

        let json = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.path("oom.json")))) as? [String: Any])
        let workloads = json["workloads"] as? [[String: Any]] ?? []
        let leak = try XCTUnwrap(workloads.first { $0["name"] as? String == "smoke-leak" }, "the leak was scored: \(json)")
        let plateau = try XCTUnwrap(workloads.first { $0["name"] as? String == "smoke-plateau" }, "the plateau was scored: \(json)")
        XCTAssertNotNil(leak["killAtSeconds"], "the kernel's kill was found in the dump: \(leak)")
        XCTAssertGreaterThanOrEqual(leak["kernelOOMKills"] as? Int ?? 0, 1, "memory.oom_control counted the kill: \(leak)")
        XCTAssertTrue((leak["victim"] as? String ?? "").contains("tapio-worklo"), "the kill record names the victim: \(leak)")
        XCTAssertGreaterThan(leak["samples"] as? Int ?? 0, 15, "about one sample a second until the kill: \(leak)")
        XCTAssertNil(plateau["killAtSeconds"], "the plateau was not killed: \(plateau)")
        XCTAssertGreaterThan(plateau["samples"] as? Int ?? 0, 30)
        XCTAssertEqual((plateau["alertEpisodes"] as? [Int])?.first, 0, "Tapio raised nothing on the plateau: \(plateau)")
        let predictors = (json["predictors"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(predictors.first, "Tapio")
        XCTAssertTrue(predictors.contains("endpoint slope") && predictors.contains { $0.hasPrefix("predict_linear") },
                      "Tapio and the baselines side by side: \(predictors)")

        let report = harness.text("oom.md")
        XCTAssertTrue(report.contains("## Summary") && report.contains("## Per workload"), report)

        // SCORE alone, on the kept dump: the same report, byte for byte.
        let (rescored, _) = try harness.run(
            "tapio-oom-bench", ["score", dump, "--output", harness.path("again.md")], label: "score", timeout: 60)
        XCTAssertEqual(rescored, 0, harness.text("score.err"))
        XCTAssertEqual(harness.text("again.md"), report, "scoring is deterministic")
    }
}
