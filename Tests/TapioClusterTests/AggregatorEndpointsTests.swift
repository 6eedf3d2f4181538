import Foundation
@testable import TapioCluster
import TapioSimulation
import TapioWire
import XCTest

/// The HTTP routes on a known state: Prometheus text that a scraper accepts, a status document
/// that decodes, health, and clear answers to wrong paths and methods.
final class AggregatorEndpointsTests: XCTestCase {
    private func endpoints() throws -> AggregatorEndpoints {
        let core = try AggregatorCore(journalDirectory: nil, log: { _ in })
        core.apply(node: "node-1", records: SampleRecords.everyKind)
        return AggregatorEndpoints(core: core, serverName: "test")
    }

    func testMetricsAreValidExpositionWithPerContainerFigures() throws {
        let text = try endpoints().metrics()
        XCTAssertTrue(text.contains("# TYPE tapio_records_applied_total counter\ntapio_records_applied_total 11\n"), text)
        XCTAssertTrue(text.contains(#"tapio_container_memory_usage_bytes{node="node-1",container="shop/api-service",cgroup_id="4242"} 199229440"#), text)
        XCTAssertTrue(text.contains(#"tapio_container_memory_limit_bytes{node="node-1",container="shop/api-service",cgroup_id="4242"} 268435456"#), text)
        XCTAssertTrue(text.contains("tapio_oom_kills_seen_total 1\n"), text)
        XCTAssertTrue(text.contains("# TYPE tapio_apply_catch_ups_total counter\ntapio_apply_catch_ups_total 0\n"), text)
        XCTAssertTrue(text.contains("# TYPE tapio_ack_delay_seconds histogram\n"), text)
        XCTAssertTrue(text.contains(#"tapio_ack_delay_seconds_bucket{le="+Inf"} 0"#), text)
        // Every sample line belongs to a family declared before it with HELP and TYPE (a
        // histogram's samples are its _bucket, _sum and _count series).
        var declared: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                let name = String(fields[2])
                declared.insert(name)
                if fields[3] == "histogram" { declared.formUnion(["_bucket", "_sum", "_count"].map { name + $0 }) }
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                XCTAssertTrue(declared.contains(name), "sample before its TYPE: \(line)")
                XCTAssertNotNil(Double(line.split(separator: " ").last ?? ""), "value is a number: \(line)")
            }
        }
    }

    func testLabelValuesAreEscaped() {
        var text = PrometheusText()
        text.family("m", .gauge, help: "x")
        text.sample("m", [("container", "a\"b\\c\nd")], 1)
        XCTAssertTrue(text.text.contains(#"m{container="a\"b\\c\nd"} 1"#), text.text)
    }

    func testStatusHealthAndErrors() throws {
        let routes = try endpoints()
        let status = routes.route(method: "GET", path: "/api/v1/status")
        XCTAssertEqual(status.status, 200)
        let document = try JSONDecoder().decode(StatusDocument.self, from: Data(status.wholeBody))
        XCTAssertEqual(document.containers.first { $0.cgroupId == 4242 }?.name, "shop/api-service")
        XCTAssertEqual(document.kills.seen, 1)
        let lean = try JSONDecoder().decode(
            StatusDocument.self, from: Data(routes.route(method: "GET", path: "/api/v1/status", query: "containers=false").wholeBody))
        XCTAssertTrue(lean.containers.isEmpty)
        XCTAssertEqual(lean.nodes.first?.containers, document.nodes.first?.containers)
        XCTAssertEqual(String(decoding: routes.route(method: "GET", path: "/healthz").body, as: UTF8.self), "ok\n")
        XCTAssertEqual(routes.route(method: "GET", path: "/nope").status, 404)
    }
}

/// The alert log rotates instead of growing without bound, and keeps whole lines.
final class AlertLogSinkTests: XCTestCase {
    func testRotatesAndKeepsTheNewest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-alertlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("alerts.jsonl").path
        let sink = try AlertLogSink(path: path, maxBytes: 2_000, keep: 2)
        for index in 0..<50 {
            sink.deliver(AlertEvent(
                timestampNs: UInt64(index), subject: .container, severity: .warning, state: "WARNING", previousState: "HEALTHY",
                transition: .fired, node: "n", cgroupId: 1, name: "c\(index)", namespace: nil, workload: nil, pod: nil,
                reason: "trend", message: "c\(index) will OOM in 1m00s (90% confidence)"))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(files, ["alerts.jsonl", "alerts.jsonl.1", "alerts.jsonl.2"])
        for file in files {
            let text = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
            XCTAssertLessThanOrEqual(text.utf8.count, 2_000)
            for line in text.split(separator: "\n") {
                XCTAssertNoThrow(try JSONDecoder().decode(AlertEvent.self, from: Data(line.utf8)), "whole JSON lines only")
            }
        }
        let newest = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(newest.contains("\"name\":\"c49\""), "the newest alert is in the current file")
    }
}
