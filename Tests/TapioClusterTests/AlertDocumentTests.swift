import Foundation
import TapioWire
import XCTest
@testable import TapioCluster

/// The ALERT document of the golden vector is a real AlertEvent in the aggregator's canonical
/// encoding (protocol/SPEC.md §4.7), and the alert log writes the same document per line.
final class AlertDocumentTests: XCTestCase {
    private let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    private func vectorAlert() throws -> String {
        let (frames, _) = try DumpReader.readAll(path: vectors.appendingPathComponent("session-messages.tpio").path)
        for frame in frames {
            if case .alert(let json) = try Message(frame: frame) { return json }
        }
        throw XCTSkip("unreachable: session-messages has an ALERT")
    }

    func testTheVectorsAlertIsAnAlertEventInCanonicalForm() throws {
        let document = try vectorAlert()
        let event = try JSONDecoder().decode(AlertEvent.self, from: Data(document.utf8))
        XCTAssertEqual(event.subject, .container)
        XCTAssertEqual(event.transition, .fired)
        XCTAssertEqual(event.eta?.p50, 443)
        XCTAssertEqual(event.jsonDocument, document, "re-encoding gives the same bytes: sorted keys, no white space")
    }

    func testTheAlertLogWritesOneCanonicalDocumentPerLine() throws {
        let event = try JSONDecoder().decode(AlertEvent.self, from: Data(try vectorAlert().utf8))
        let path = NSTemporaryDirectory() + "tapio-alert-doc-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try AlertLogSink(path: path)
        sink.deliver(event)
        sink.deliver(event)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, try XCTUnwrap(event.jsonDocument) + "\n" + XCTUnwrap(event.jsonDocument) + "\n")
    }
}
