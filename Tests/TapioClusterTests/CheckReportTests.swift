import Foundation
import TapioCluster
import XCTest

final class CheckReportTests: XCTestCase {
    /// A status as the aggregator serves it: one warning with Kubernetes identity, one
    /// at-limit critical, one healthy container, one predicted kill.
    private let statusJSON = #"""
    {
      "server": "agg", "uptimeSeconds": 100,
      "pipeline": {"framesReceived": 1, "batchesApplied": 1, "duplicateBatches": 0, "recordsApplied": 3, "wireBytesReceived": 10,
                   "connectionsAccepted": 1, "connectionsOpen": 1, "connectionsRejected": 0, "authFailures": 0, "decodeErrors": 0,
                   "handshakeTimeouts": 0, "idleTimeouts": 0, "journalErrors": 0, "alerts": 2},
      "nodes": [{"name": "node-1", "connected": true, "streams": [], "containers": 3, "lostRecords": {}, "state": "HEALTHY"}],
      "containers": [
        {"node": "node-1", "cgroupId": 1, "name": "shop/api-service", "namespace": "shop", "pod": "api-service-7d9f8b6c5-x2kqp",
         "workload": "api-service", "usageBytes": 209715200, "workingSetBytes": 199229440, "limitBytes": 268435456,
         "specLimitBytes": 268435456, "oomKills": 0, "topProcess": {"pid": 4242, "command": "java", "residentBytes": 150000000},
         "state": "WARNING", "reason": "trend", "eta": {"p10": 350, "p50": 443, "p90": 550}, "confidence": 0.9,
         "slopeBytesPerSecond": 314572.8, "podPhase": "Running"},
        {"node": "node-1", "cgroupId": 2, "name": "batch/worker", "usageBytes": 536870912, "workingSetBytes": 530000000,
         "limitBytes": 536870912, "oomKills": 0, "state": "CRITICAL", "reason": "atLimitReclaimFailing", "confidence": 0.8},
        {"node": "node-1", "cgroupId": 3, "name": "system.slice", "usageBytes": 1000, "oomKills": 0, "state": "HEALTHY", "reason": "none"}
      ],
      "workloads": [],
      "kills": {"seen": 2, "predicted": 1, "medianLeadSeconds": 372}
    }
    """#

    private func report() throws -> CheckReport {
        CheckReport(status: try JSONDecoder().decode(StatusDocument.self, from: Data(statusJSON.utf8)))
    }

    func testTextReportNamesEachRiskWithItsEvidence() throws {
        let text = try report().text
        XCTAssertEqual(text, """
            HEALTHY: 1 container healthy on 1 node
            CRITICAL: batch/worker at limit, reclaim failing
              • eBPF reality: now 505Mi (99% of limit)
              • Prediction: at its limit with reclaim failing; the OOM killer may strike any moment
            WARNING: shop/api-service will OOM in 7m23s (90% confidence)
              • Kubernetes thinks: 256Mi limit, pod Running
              • eBPF reality: growing 18Mi/min, now 190Mi (74% of limit); top process java (pid 4242)
              • Prediction: OOM kill in 7m23s (p10 5m50s, p90 9m10s)
            OOM kills: 2 seen, 1 predicted, median warning 6m12s ahead
            """)
    }

    func testExitStatusFollowsTheWorstState() throws {
        XCTAssertEqual(try report().exitStatus, 2)
        var status = try JSONDecoder().decode(StatusDocument.self, from: Data(statusJSON.utf8))
        status.containers.removeAll { $0.state == "CRITICAL" }
        XCTAssertEqual(CheckReport(status: status).exitStatus, 1)
        status.containers.removeAll { $0.state == "WARNING" }
        XCTAssertEqual(CheckReport(status: status).exitStatus, 0)
    }

    func testJSONReportCarriesTheCounts() throws {
        let data = try JSONEncoder().encode(try report())
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["critical"] as? Int, 1)
        XCTAssertEqual(object["warnings"] as? Int, 1)
        XCTAssertEqual(object["healthy"] as? Int, 1)
        XCTAssertEqual((object["findings"] as? [[String: Any]])?.first?["name"] as? String, "batch/worker")
    }
}

extension CheckReportTests {
    /// A growth so uncertain that its slowest plausible rate never reaches the limit has an
    /// infinite p90: the alert and the status must still encode (JSON has no infinity).
    func testUnboundedETAStillEncodes() throws {
        let eta = AlertEvent.ETA(p10: 60, p50: 120, p90: .infinity)
        XCTAssertNil(eta.p90)
        let json = String(decoding: try JSONEncoder().encode(eta), as: UTF8.self)
        XCTAssertFalse(json.contains("p90"), json)
    }
}
