import Foundation
import XCTest

/// The product's promise on the real kernel: a process leaking in a limited cgroup is warned
/// about before the kernel's OOM killer strikes, the kill is scored as predicted with its lead
/// time, and a process that grows then plateaus below its limit raises no alert.
final class PredictionEndToEndTests: XCTestCase {
    private var harness: ProcessHarness!
    private var cgroups: [TestCgroup] = []

    override func setUpWithError() throws {
        harness = try ProcessHarness(name: "predict")
        try "e2e-token\n".write(toFile: harness.path("token"), atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        harness.tearDown()
        for cgroup in cgroups { cgroup.remove() }
    }

    private func alerts() -> [[String: Any]] {
        harness.text("alerts.jsonl").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func testLeakIsWarnedBeforeTheRealOOMKillAndPlateauRaisesNothing() throws {
        let leak = try TestCgroup(name: "tapio-e2e-leak", limitBytes: 256 << 20)
        cgroups.append(leak)
        let plateau = try TestCgroup(name: "tapio-e2e-plateau", limitBytes: 320 << 20)
        cgroups.append(plateau)
        guard let own = TestCgroup.ownMemoryCgroup() else { throw XCTSkip("no memory cgroup") }

        let aggregator = try AggregatorProcess.start(
            harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"),
            extra: ["--alerts-log", harness.path("alerts.jsonl"), "--warm-up", "15", "--critical-horizon", "0.25"])
        let exporter = try harness.start(
            "tapio-exporter",
            ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--node", "e2e", "--token-file", harness.path("token"),
             "--cgroup-subtree", own],
            label: "exp")
        harness.wait(timeout: 30, "the exporter to connect") { self.harness.text("exp.err").contains("connected to") }
        if !exporter.isRunning, harness.text("exp.err").contains("BPF") {
            throw XCTSkip("exporter cannot load BPF here: \(harness.text("exp.err"))")
        }

        let workload = try ProcessHarness.binary("tapio-workload")
        try harness.start("/bin/sh", plateau.wrap([workload, "plateau", "--mib", "120", "--hold-seconds", "240"]), label: "plateau")
        try harness.start("/bin/sh", leak.wrap([workload, "leak", "--rate-mib-per-sec", "2", "--max-seconds", "240"]), label: "leak")

        // 256 MiB at 2 MiB/s: the kernel kills the leak after about two minutes. The predictor
        // needs about a minute of history (with the 15 s warm-up set above) before it may warn.
        harness.wait(timeout: 240, "the kernel's OOM kill in the leak cgroup") { leak.oomKills > 0 }
        harness.wait(timeout: 20, "the kill to be scored") { self.alerts().contains { $0["subject"] as? String == "kill" } }

        let events = alerts()
        let leakEvents = events.filter { ($0["name"] as? String)?.contains("tapio-e2e-leak") ?? false }
        let warning = leakEvents.first { $0["transition"] as? String == "fired" }
        let kill = leakEvents.first { $0["subject"] as? String == "kill" }
        XCTAssertEqual(warning?["state"] as? String, "WARNING", "a warning for the leak first: \(events)")
        let score = kill?["kill"] as? [String: Any]
        XCTAssertEqual(score?["predicted"] as? Bool, true, "the kill was scored as predicted: \(String(describing: kill))")
        let lead = score?["leadSeconds"] as? Double ?? 0
        XCTAssertGreaterThan(lead, 30, "warned well ahead of the kill")
        let etaError = score?["etaErrorFraction"] as? Double ?? 1
        XCTAssertLessThan(etaError, 0.25, "the first warning's ETA was close to the real kill time")
        if let warningTime = warning?["timestampNs"] as? UInt64, let killTime = kill?["timestampNs"] as? UInt64 {
            XCTAssertLessThan(warningTime, killTime)
        }
        XCTAssertTrue((kill?["message"] as? String ?? "").contains("tapio-worklo"), "the kill names the victim's command: \(String(describing: kill))")

        print("leak timeline:", leakEvents.map { "\($0["state"] ?? "?") \($0["message"] ?? "")" })
        let plateauEvents = events.filter { ($0["name"] as? String)?.contains("tapio-e2e-plateau") ?? false }
        XCTAssertEqual(plateauEvents.count, 0, "no alert for the plateau: \(plateauEvents)")
        XCTAssertTrue(harness.text("agg.out").contains("WARNING: "), "the warning line on stdout: \(harness.text("agg.out"))")

        let status = aggregator.status()
        let kills = status?["kills"] as? [String: Any]
        XCTAssertEqual(kills?["predicted"] as? Int, 1)
    }
}
