import CLZ4
import Foundation
import NIOCore
import TapioWire
import XCTest

/// protocol/vectors/NAME.tpio must decode to exactly what NAME.json says, and every valid
/// frame must re-encode to the identical bytes.
final class GoldenVectorTests: XCTestCase {
    private struct VectorFile: Decodable {
        var name: String
        var inspection: DumpInspection
    }

    private let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    private func vectorNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".tpio") }.map { String($0.dropLast(5)) }.sorted()
    }

    func testTheRequiredVectorsExist() throws {
        let names = Set(try vectorNames())
        for required in [
            "records-every-kind", "batch-compressed", "handshake", "ack-heartbeat", "bad-crc", "truncated",
            "bomb-raw-length", "bomb-ratio", "unknown-record-kind",
        ] {
            XCTAssertTrue(names.contains(required), "missing vector \(required)")
        }
    }

    func testVectorsDecodeToTheirJSON() throws {
        for name in try vectorNames() {
            let expected = try JSONDecoder().decode(
                VectorFile.self, from: Data(contentsOf: directory.appendingPathComponent("\(name).json")))
            XCTAssertEqual(expected.name, name)
            let actual = try DumpInspection.inspect(path: directory.appendingPathComponent("\(name).tpio").path)
            XCTAssertEqual(actual, expected.inspection, name)
        }
    }

    func testValidFramesReencodeToIdenticalBytes() throws {
        for name in try vectorNames() {
            let path = directory.appendingPathComponent("\(name).tpio").path
            let (frames, _) = try DumpReader.readAll(path: path)
            for frame in frames {
                // Frames whose payload is invalid, or that carry records this build skips,
                // cannot be rebuilt from their decoded form.
                guard let message = try? Message(frame: frame) else { continue }
                if case .batch(_, let batch) = message, batch.skippedUnknown > 0 { continue }
                let reencoded = message.frame(compress: frame.header.isCompressed)
                if frame.header.isCompressed && LZ4_versionNumber() / 100 != 109 {
                    // LZ4 output may differ between library versions; decoding must not.
                    XCTAssertEqual(try Message(frame: reencoded), message, "\(name) seq \(frame.header.sequence)")
                } else {
                    XCTAssertEqual(reencoded.wireBytes, frame.wireBytes, "\(name) seq \(frame.header.sequence)")
                }
            }
        }
    }

    func testSpecificExpectations() throws {
        func inspect(_ name: String) throws -> DumpInspection {
            try DumpInspection.inspect(path: directory.appendingPathComponent("\(name).tpio").path)
        }
        XCTAssertEqual(try inspect("bad-crc").error?.code, "crc-mismatch")
        XCTAssertEqual(try inspect("truncated").frames.count, 1)
        XCTAssertEqual(try inspect("truncated").error?.code, "truncated-dump")
        XCTAssertEqual(try inspect("bomb-raw-length").error?.code, "raw-length-too-large")
        XCTAssertEqual(try inspect("bomb-ratio").error?.code, "compression-ratio-too-high")
        let unknown = try inspect("unknown-record-kind")
        XCTAssertNil(unknown.error)
        XCTAssertEqual(unknown.frames.first?.records?.count, 2)
        XCTAssertEqual(unknown.frames.first?.skippedUnknownRecords, 1)
        XCTAssertEqual(try inspect("batch-compressed").frames.first?.flags, 1)
    }
}
