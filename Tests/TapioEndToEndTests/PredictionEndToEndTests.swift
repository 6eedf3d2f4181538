import Foundation
import XCTest
import TapioTestSupport

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
        let leak = try TestCgroup(limitBytes: 256 << 20, name: "tapio-e2e-leak")
        cgroups.append(leak)
        let plateau = try TestCgroup(limitBytes: 320 << 20, name: "tapio-e2e-plateau")
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
        // Two live subscribers: one for warnings and worse, one filtered to a node that does not exist.
        try harness.start(
            "tapio-tail", ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("token"), "--json", "--min-severity", "warning"],
            label: "tail")
        try harness.start(
            "tapio-tail", ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("token"), "--json", "--node", "elsewhere"],
            label: "tail-other")
        harness.wait(timeout: 20, "the tails to subscribe") {
            self.harness.text("tail.err").contains("connected") && self.harness.text("tail-other.err").contains("connected")
        }
        if !exporter.isRunning, harness.text("exp.err").contains("BPF") {
            throw XCTSkip("exporter cannot load BPF here: \(harness.text("exp.err"))")
        }

        let workload = try ProcessHarness.binary("tapio-workload")
        try harness.start("/bin/sh", plateau.wrap([workload, "plateau", "--mib", "120", "--hold-seconds", "240"]), label: "plateau")
        try harness.start("/bin/sh", leak.wrap([workload, "leak", "--rate-mib-per-sec", "2", "--max-seconds", "240"]), label: "leak")

        // 256 MiB at 2 MiB/s: the kernel kills the leak after about two minutes. The predictor
        // needs about a minute of history (with the 15 s warm-up set above) before it may warn.
        harness.wait(timeout: 240, "the kernel's OOM kill in the leak cgroup") { leak.oomKillCount > 0 }
        // Other cgroups on the machine may see kills too: wait for ours.
        let isOurs: ([String: Any]) -> Bool = { ($0["name"] as? String)?.contains("tapio-e2e-leak") ?? false }
        harness.wait(timeout: 20, "the kill to be scored") { self.alerts().contains { $0["subject"] as? String == "kill" && isOurs($0) } }

        let events = alerts()
        let leakEvents = events.filter(isOurs)
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
        XCTAssertGreaterThanOrEqual(kills?["predicted"] as? Int ?? 0, 1)

        // tapio check against the live aggregator: critical or warning state gone after the kill,
        // the kill counted, exit status matching the worst state.
        let check = try harness.run("tapio", ["check", "--aggregator", "http://127.0.0.1:\(aggregator.httpPort)", "-o", "json"], label: "check", timeout: 30)
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        XCTAssertGreaterThanOrEqual((report?["kills"] as? [String: Any])?["predicted"] as? Int ?? 0, 1, check.stdout)
        let worst = (report?["critical"] as? Int ?? 0) > 0 ? 2 : (report?["warnings"] as? Int ?? 0) > 0 ? 1 : 0
        XCTAssertEqual(Int(check.status), worst)

        // The tail saw the warning and the scored kill as they happened; the filtered one saw nothing.
        let tailed = harness.text("tail.out").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertTrue(tailed.contains { $0["transition"] as? String == "fired" && ($0["name"] as? String ?? "").contains("tapio-e2e-leak") }, "\(tailed)")
        XCTAssertTrue(tailed.contains { $0["subject"] as? String == "kill" && isOurs($0) }, "\(tailed)")
        XCTAssertEqual(harness.text("tail-other.out"), "", "the node filter is applied by the aggregator")

        // Replaying the aggregator's journal gives exactly the alerts the live aggregator gave,
        // byte for byte, and the same again on a second replay.
        Glibc.kill(exporter.processIdentifier, SIGTERM)
        exporter.waitUntilExit()
        Glibc.kill(aggregator.process.processIdentifier, SIGTERM)
        aggregator.process.waitUntilExit()
        let segments = try FileManager.default.contentsOfDirectory(atPath: harness.path("journal"))
            .filter { $0.hasSuffix(".tpio") }.sorted().map { harness.path("journal") + "/" + $0 }
        let replayArguments = ["replay", "--json", "--warm-up", "15", "--critical-horizon", "0.25"] + segments
        let first = try harness.run("tapio", replayArguments, label: "replay1", timeout: 60)
        let second = try harness.run("tapio", replayArguments, label: "replay2", timeout: 60)
        XCTAssertEqual(first.status, 0, harness.text("replay1.err"))
        XCTAssertEqual(first.stdout, second.stdout, "replay is deterministic")
        XCTAssertEqual(first.stdout, harness.text("alerts.jsonl"), "replay gives the live alerts")
        XCTAssertTrue(harness.text("replay1.err").contains(" predicted, median lead "), harness.text("replay1.err"))
    }
}
