import Foundation
import NIOCore
import TapioSimulation
import TapioWire
import XCTest

final class RecordCodecTests: XCTestCase {
    func testEveryKindRoundTripsThroughBytesAndJSON() throws {
        let kinds = Set(SampleRecords.everyKind.map(\.kind))
        XCTAssertEqual(kinds, Set(RecordKind.allCases), "samples must cover every record kind")
        for record in SampleRecords.everyKind {
            let decoded = try RecordBatch.decode(RecordBatch.encode([record]), expectedCount: 1)
            XCTAssertEqual(decoded.records, [record], "\(record.kind)")
            let json = try JSONEncoder().encode(record)
            XCTAssertEqual(try JSONDecoder().decode(Record.self, from: json), record, "\(record.kind) JSON")
        }
    }

    /// Encoded body sizes are the fixed sizes the spec's byte tables give.
    func testBodySizesMatchTheSpec() {
        let expected: [RecordKind: Int] = [
            .memorySample: 136, .processRSS: 48, .oomKill: 80, .processStart: 44, .processExit: 44,
            .nodeSample: 56, .pageActivity: 32, .lossReport: 40,
        ]
        for record in SampleRecords.everyKind where record.kind != .containerInfo {
            let bytes = RecordBatch.encode([record])
            XCTAssertEqual(bytes.readableBytes, Record.envelopeSize + expected[record.kind]!, "\(record.kind)")
            XCTAssertEqual(bytes.getInteger(at: 2, as: UInt16.self).map(Int.init), expected[record.kind])
        }
    }

    func testRandomRecordsRoundTrip() throws {
        for seed in 1...200 {
            var random = RandomRecords(seed: UInt64(seed))
            let records = (0..<Int.random(in: 1...40, using: &random.generator)).map { _ in random.record() }
            let frame = Message.batch(sequence: UInt64(seed), RecordBatch(records: records)).frame(compress: seed % 2 == 0)
            var wire = frame.wireBytes
            let parsed = try XCTUnwrap(try WireFrame.parse(from: &wire, limits: .default))
            XCTAssertEqual(wire.readableBytes, 0)
            XCTAssertEqual(try Message(frame: parsed), .batch(sequence: UInt64(seed), RecordBatch(records: records)), "seed \(seed)")
        }
    }

    func testUnknownKindIsSkippedByItsLength() throws {
        var payload = RecordBatch.encode([SampleRecords.everyKind[0]])
        payload.writeBytes([250, 0, 0, 3] + [UInt8](repeating: 0, count: 8) + [1, 2, 3])
        SampleRecords.everyKind[2].encode(into: &payload)
        let batch = try RecordBatch.decode(payload, expectedCount: 3)
        XCTAssertEqual(batch.records, [SampleRecords.everyKind[0], SampleRecords.everyKind[2]])
        XCTAssertEqual(batch.skippedUnknown, 1)
    }

    /// A later minor version may append fields to a body; this build reads its own fields
    /// and ignores the rest.
    func testLongerBodyFromNewerPeerIsAccepted() throws {
        let record = SampleRecords.everyKind[2]
        var payload = RecordBatch.encode([record])
        payload.writeBytes([9, 9, 9, 9])
        payload.setInteger(UInt16(48 + 4), at: 2)
        XCTAssertEqual(try RecordBatch.decode(payload, expectedCount: 1).records, [record])
    }

    func testBodyShorterThanItsFieldsIsRejected() {
        var payload = ByteBuffer(bytes: [RecordKind.oomKill.rawValue, 0, 0, 10] + [UInt8](repeating: 0, count: 18))
        XCTAssertThrowsError(try RecordBatch.decode(payload, expectedCount: 1)) {
            XCTAssertEqual($0 as? WireError, .recordBodyTooShort(kind: .oomKill, needed: 80, actual: 10))
            XCTAssertEqual(($0 as? WireError)?.description, "oom-kill record body is 10 bytes, its fields need 80")
        }
        payload = ByteBuffer(bytes: [RecordKind.processRSS.rawValue, 0, 0, 48] + [UInt8](repeating: 0, count: 20))
        XCTAssertThrowsError(try RecordBatch.decode(payload, expectedCount: 1)) {
            XCTAssertEqual($0 as? WireError, .recordTruncated(index: 0, offset: 0))
        }
    }

    func testCountMismatchIsRejected() {
        let payload = RecordBatch.encode(Array(SampleRecords.everyKind.prefix(2)))
        XCTAssertThrowsError(try RecordBatch.decode(payload, expectedCount: 5)) {
            XCTAssertEqual($0 as? WireError, .recordCountMismatch(header: 5, actual: 2))
        }
    }

    func testContainerInfoStringsAreBoundedAndValidated() {
        var payload = ByteBuffer()
        payload.writeInteger(UInt64(1))
        payload.writeBytes([1, 1, 0, 0])
        payload.writeInteger(UInt64.max)
        payload.writeInteger(UInt16(3))
        payload.writeBytes([0xFF, 0xFE, 0xFD])  // not UTF-8
        payload.writeRepeatingByte(0, count: 16)
        var record = ByteBuffer(bytes: [RecordKind.containerInfo.rawValue, 0])
        record.writeInteger(UInt16(payload.readableBytes))
        record.writeInteger(UInt64(0))
        record.writeBuffer(&payload)
        XCTAssertThrowsError(try RecordBatch.decode(record, expectedCount: 1)) {
            XCTAssertEqual($0 as? WireError, .invalidField("container-info cgroupPath: not valid UTF-8"))
        }
    }

    /// Hostile payloads of random bytes must produce records or typed errors, never a crash.
    func testRandomPayloadsNeverCrash() {
        var generator = SeededGenerator(seed: 42)
        var outcomes = (ok: 0, errors: 0)
        for _ in 0..<5_000 {
            var bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty { bytes[0] = UInt8.random(in: 1...10, using: &generator) }
            do {
                _ = try RecordBatch.decode(ByteBuffer(bytes: bytes))
                outcomes.ok += 1
            } catch {
                // Typed throws: the only possible error is a WireError with a message.
                XCTAssertFalse(error.description.isEmpty)
                outcomes.errors += 1
            }
        }
        XCTAssertGreaterThan(outcomes.errors, 0)
    }
}
