import Foundation
import XCTest

/// The transport's promises, checked with real processes over real TCP on loopback: every
/// record applied exactly once, nothing lost across an aggregator crash or an exporter crash,
/// and loss that must happen reported with the right counts.
final class TransportEndToEndTests: XCTestCase {
    private var harness: ProcessHarness!

    override func setUpWithError() throws {
        harness = try ProcessHarness(name: name.split(separator: " ").last.map(String.init) ?? "t")
        try "e2e-token\n".write(toFile: harness.path("token"), atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        harness.tearDown()
    }

    private struct LoadSummary: Decodable {
        struct Node: Decodable {
            var node: String
            var epoch: UInt64
            var lastSequence: Int
            var lastAcknowledged: Int
            var recordsSent: Int
            var recordsAcknowledged: Int
        }

        var nodes: [Node]
        var totalRecordsSent: Int
        var allAcknowledged: Bool
    }

    private func loadSummary(_ file: String) throws -> LoadSummary {
        try JSONDecoder().decode(LoadSummary.self, from: Data(contentsOf: URL(fileURLWithPath: harness.path(file))))
    }

    /// Every stream the generator reports must have been applied exactly once: same record
    /// count, same last sequence, no gaps.
    private func assertExactlyOnce(_ summary: LoadSummary, _ aggregator: AggregatorProcess, file: StaticString = #filePath, line: UInt = #line) {
        let applied = aggregator.appliedByStream()
        XCTAssertEqual(applied.count, summary.nodes.count, "streams known to the aggregator", file: file, line: line)
        for node in summary.nodes {
            guard let stream = applied["\(node.node)#\(node.epoch)"] else {
                XCTFail("aggregator has no stream \(node.node)#\(node.epoch)", file: file, line: line)
                continue
            }
            XCTAssertEqual(stream.records, node.recordsSent, "\(node.node): records applied", file: file, line: line)
            XCTAssertEqual(stream.lastApplied, node.lastSequence, "\(node.node): last sequence", file: file, line: line)
            XCTAssertEqual(stream.missing, 0, "\(node.node): gaps", file: file, line: line)
        }
    }

    func testFiftyExportersEveryRecordAppliedExactlyOnce() throws {
        let aggregator = try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"))
        let run = try harness.run(
            "tapio-loadgen",
            ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("token"), "--nodes", "50",
             "--containers", "10", "--seconds", "4", "--output", harness.path("load.json")],
            label: "load", timeout: 90)
        XCTAssertEqual(run.status, 0, harness.text("load.err"))
        let summary = try loadSummary("load.json")
        XCTAssertTrue(summary.allAcknowledged)
        XCTAssertEqual(summary.nodes.count, 50)
        XCTAssertGreaterThan(summary.totalRecordsSent, 50 * 4 * 50)
        assertExactlyOnce(summary, aggregator)
        XCTAssertEqual(aggregator.pipeline()["recordsApplied"], summary.totalRecordsSent)
        XCTAssertEqual(aggregator.pipeline()["decodeErrors"], 0)
    }

    func testAggregatorKilledMidStreamLosesNothingAndAppliesNothingTwice() throws {
        let journal = harness.path("journal")
        let first = try AggregatorProcess.start(harness, label: "agg1", journal: journal, tokenFile: harness.path("token"))
        let load = try harness.start(
            "tapio-loadgen",
            ["--aggregator", "127.0.0.1:\(first.framePort)", "--token-file", harness.path("token"), "--nodes", "20",
             "--containers", "10", "--seconds", "8", "--records-per-second", "400", "--drain-seconds", "60",
             "--output", harness.path("load.json")],
            label: "load")
        harness.wait(timeout: 20, "records to flow") { (first.pipeline()["recordsApplied"] ?? 0) > 2_000 }
        ProcessHarness.sigkill(first.process)
        usleep(1_000_000)
        let second = try AggregatorProcess.start(
            harness, label: "agg2", journal: journal, tokenFile: harness.path("token"), framePort: first.framePort)
        harness.wait(timeout: 90, "the load generator to finish") { !load.isRunning }
        XCTAssertEqual(load.terminationStatus, 0, "every frame acknowledged: \(harness.text("load.err"))")
        XCTAssertTrue(harness.text("agg2.err").contains("journal: rebuilt state from"), harness.text("agg2.err"))
        let summary = try loadSummary("load.json")
        XCTAssertTrue(summary.allAcknowledged)
        assertExactlyOnce(summary, second)
    }

    // MARK: exporter crash and spool

    /// A port nobody listens on (bound and released).
    private func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func exporterArguments(port: Int, spool: String, record: String, spoolMaxBytes: Int? = nil) -> [String] {
        var arguments = [
            "--aggregator", "127.0.0.1:\(port)", "--node", "crashy", "--token-file", harness.path("token"),
            "--spool-dir", spool, "--record", record, "--without-bpf", "--sample-interval", "0.05",
        ]
        if let spoolMaxBytes { arguments += ["--spool-max-bytes", String(spoolMaxBytes)] }
        return arguments
    }

    /// What a `--record` dump holds: frames cut, records in them, highest sequence. While
    /// polling (`strict` false) the dump may not exist yet.
    private func recorded(_ path: String, strict: Bool = true) throws -> (records: Int, lastSequence: Int) {
        let run = try harness.run("tapio", ["dump", path], label: "dump-\(UUID().uuidString.prefix(4))", timeout: 30)
        if strict { XCTAssertEqual(run.status, 0, "tapio dump \(path)") }
        func number(after prefix: String) -> Int? {
            run.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap {
                Int($0.dropFirst(prefix.count).split(separator: " ").first ?? "")
            }
        }
        let sequences = run.stdout.split(separator: "\n").first { $0.hasPrefix("sequences:") }?.split(separator: " ").last.flatMap { Int($0) }
        return (number(after: "records:") ?? -1, sequences ?? -1)
    }

    private func epoch(fromExporterLog log: String) -> UInt64? {
        guard let range = log.range(of: "stream epoch ") else { return nil }
        return UInt64(log[range.upperBound...].prefix { $0.isNumber })
    }

    func testExporterKilledWhileAggregatorDownDeliversItsSpoolAfterRestart() throws {
        let port = freePort()
        let spool = harness.path("spool")
        let first = try harness.start("tapio-exporter", exporterArguments(port: port, spool: spool, record: harness.path("run1.tpio")), label: "exp1")
        harness.wait(timeout: 30, "frames to be spooled") { ((try? self.recorded(self.harness.path("run1.tpio"), strict: false).lastSequence) ?? 0) >= 3 }
        ProcessHarness.sigkill(first)
        let spooled = try recorded(harness.path("run1.tpio"))
        let epoch = try XCTUnwrap(epoch(fromExporterLog: harness.text("exp1.err")))

        let aggregator = try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"), framePort: port)
        let second = try harness.start("tapio-exporter", exporterArguments(port: port, spool: spool, record: harness.path("run2.tpio")), label: "exp2")
        harness.wait(timeout: 30, "the spooled frames to be applied") {
            (aggregator.appliedByStream()["crashy#\(epoch)"]?.lastApplied ?? 0) >= spooled.lastSequence
        }
        XCTAssertEqual(self.epoch(fromExporterLog: harness.text("exp2.err")), epoch, "the spool keeps its stream epoch across restarts")
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        let stream = try XCTUnwrap(aggregator.appliedByStream()["crashy#\(epoch)"])
        XCTAssertEqual(stream.missing, 0, "no frame of the first run is missing")
        XCTAssertGreaterThanOrEqual(stream.records, spooled.records)
    }

    func testFullSpoolDropsOldestAndReportsTheLossInBand() throws {
        let port = freePort()
        let exporter = try harness.start(
            "tapio-exporter", exporterArguments(port: port, spool: harness.path("spool"), record: harness.path("run.tpio"), spoolMaxBytes: 8192),
            label: "exp")
        // Fill well past the 8 KiB budget while nobody listens.
        harness.wait(timeout: 60, "the spool to overflow") { ((try? self.recorded(self.harness.path("run.tpio"), strict: false).lastSequence) ?? 0) >= 12 }
        let aggregator = try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"), framePort: port)
        let epoch = try XCTUnwrap(epoch(fromExporterLog: harness.text("exp.err")))
        harness.wait(timeout: 30, "a loss report") { (aggregator.appliedByStream()["crashy#\(epoch)"]?.lost["spool"] ?? 0) > 0 }
        kill(exporter.processIdentifier, SIGTERM)
        exporter.waitUntilExit()
        XCTAssertEqual(exporter.terminationStatus, 0, harness.text("exp.err"))

        let cut = try recorded(harness.path("run.tpio"))
        let stream = try XCTUnwrap(aggregator.appliedByStream()["crashy#\(epoch)"])
        let lost = stream.lost["spool"] ?? 0
        XCTAssertGreaterThan(stream.missing, 0, "oldest frames were dropped")
        XCTAssertEqual(stream.lastApplied, cut.lastSequence, "everything after the drop was delivered")
        XCTAssertEqual(stream.records + lost, cut.records, "applied + reported lost = every record the exporter framed")
    }

    /// A tail outlives an aggregator restart: it says it lost the connection and reconnects.
    func testTailReconnectsAfterAnAggregatorRestart() throws {
        let journal = harness.path("journal")
        let first = try AggregatorProcess.start(harness, label: "agg1", journal: journal, tokenFile: harness.path("token"))
        try harness.start("tapio-tail", ["--aggregator", "127.0.0.1:\(first.framePort)", "--token-file", harness.path("token")], label: "tail")
        harness.wait(timeout: 20, "the tail to subscribe") { self.harness.text("tail.err").contains("connected to") }
        ProcessHarness.sigkill(first.process)
        harness.wait(timeout: 20, "the tail to notice") { self.harness.text("tail.err").contains("reconnecting") }
        _ = try AggregatorProcess.start(harness, label: "agg2", journal: journal, tokenFile: harness.path("token"), framePort: first.framePort)
        harness.wait(timeout: 30, "the tail to reconnect") {
            self.harness.text("tail.err").components(separatedBy: "connected to").count - 1 >= 2
        }
        // The tail says "connected" at WELCOME, before its SUBSCRIBE reaches the aggregator.
        XCTAssertTrue(
            harness.wait(timeout: 10, "the restarted aggregator to log the subscription") { self.harness.text("agg2.err").contains("tail subscribed") },
            harness.text("agg2.err"))
    }

    /// An aggregator stopped with SIGTERM says GOODBYE: its peers log why the connection ended
    /// instead of a bare reset.
    func testAggregatorShutdownSaysGoodbyeToItsPeers() throws {
        let aggregator = try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"))
        try harness.start("tapio-tail", ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("token")], label: "tail")
        harness.wait(timeout: 20, "the tail to subscribe") { self.harness.text("tail.err").contains("connected to") }
        kill(aggregator.process.processIdentifier, SIGTERM)
        harness.wait(timeout: 20, "the tail to hear goodbye") {
            self.harness.text("tail.err").contains("aggregator said goodbye: aggregator shutting down")
        }
        harness.wait(timeout: 20, "the aggregator to exit") { !aggregator.process.isRunning }
        XCTAssertEqual(aggregator.process.terminationStatus, 0, harness.text("agg.err"))
    }

    /// A tail with the wrong token is refused with the reason, not left hanging.
    func testTailWithWrongTokenSaysWhy() throws {
        let aggregator = try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"))
        try "not-the-token\n".write(toFile: harness.path("wrong"), atomically: true, encoding: .utf8)
        _ = try harness.run(
            "tapio-tail", ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("wrong"), "--duration", "3"],
            label: "tail", timeout: 20)
        XCTAssertTrue(harness.text("tail.err").contains("proof does not match the shared token"), harness.text("tail.err"))
    }
}
