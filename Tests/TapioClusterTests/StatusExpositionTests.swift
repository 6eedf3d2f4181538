import Foundation
import TapioSimulation
import TapioWire
import XCTest

@testable import TapioCluster

/// /api/v1/status made in pieces holds exactly what the document built whole holds, in
/// bounded pieces, with and without its container list.
final class StatusExpositionTests: XCTestCase {
    private func fleet() throws -> (AggregatorCore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-status-\(UUID().uuidString)").path
        let core = try AggregatorCore(journalDirectory: directory, log: { _ in })
        // Two nodes through streams (so the ledger, journal and losses are in the document)...
        for (index, node) in ["node-a", "node-b"].enumerated() {
            var mix = RecordMix(containers: 5, seed: UInt64(index + 1))
            let stream = StreamKey(node: node, epoch: UInt64(index + 7))
            for sequence in 1...3 {
                let records = (sequence == 1 ? mix.containerInfos(node: index) : []) + mix.nextSecond()
                    + [Record(timestampNs: 1, body: .lossReport(LossReport(source: .ringBuffer, lostRecords: 4)))]
                let batch = RecordBatch(records: records)
                guard case .applied = core.ingest(stream: stream, frame: Message.batch(sequence: UInt64(sequence), batch).frame(), batch: batch) else {
                    throw XCTSkip("batch not admitted")
                }
            }
        }
        // ...and many applied directly, enough for many pieces.
        for node in 0..<80 {
            var mix = RecordMix(containers: 25, seed: UInt64(node + 10))
            core.apply(node: "node-\(node)", records: mix.containerInfos(node: node) + mix.nextSecond() + mix.nextSecond())
        }
        return (core, directory)
    }

    /// The document through a sorted, compact encoding, uptime left out (it moves).
    private func canonical(_ document: StatusDocument) throws -> String {
        var document = document
        document.uptimeSeconds = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    func testTheStatusInPiecesHoldsWhatTheWholeDocumentHolds() throws {
        let (core, directory) = try fleet()
        defer {
            core.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let exposition = StatusExposition(core: core, serverName: "test", includeContainers: true)
        var pieces: [String] = []
        while let piece = exposition.next() { pieces.append(piece) }
        XCTAssertNil(exposition.next())
        XCTAssertGreaterThan(pieces.count, 5)
        XCTAssertFalse(pieces.contains(where: \.isEmpty), "an empty piece would end a chunked body")
        let largest = pieces.map(\.utf8.count).max() ?? 0
        XCTAssertLessThan(largest, StatusExposition.pieceBytes + 64 << 10, "a piece of \(largest) bytes")
        let streamed = try JSONDecoder().decode(StatusDocument.self, from: Data(pieces.joined().utf8))
        let whole = StatusDocument(core: core, serverName: "test")
        XCTAssertEqual(streamed.containers.count, 2 * 5 + 80 * 25)
        XCTAssertNotNil(streamed.journal)
        XCTAssertEqual(streamed.nodes.first { $0.name == "node-a" }?.lostRecords.values.reduce(0, +), 12, "the losses reported")
        XCTAssertEqual(streamed.nodes.first { $0.name == "node-a" }?.streams.count, 1)
        XCTAssertEqual(try canonical(streamed), try canonical(whole), "the same document")
    }

    func testWithoutContainersTheStatusIsTheSameButForThem() throws {
        let (core, directory) = try fleet()
        defer {
            core.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let lean = try JSONDecoder().decode(StatusDocument.self, from: Data(StatusExposition(core: core, serverName: "test", includeContainers: false).collect().utf8))
        XCTAssertTrue(lean.containers.isEmpty)
        XCTAssertEqual(try canonical(lean), try canonical(StatusDocument(core: core, serverName: "test", includeContainers: false)))
        // Pretty-printed: nested values indented under their keys.
        let text = StatusExposition(core: core, serverName: "test", includeContainers: false).collect()
        XCTAssertTrue(text.hasPrefix("{\n  \"containers\" : [],\n  \"journal\" : {\n    \""), String(text.prefix(200)))
    }
}
