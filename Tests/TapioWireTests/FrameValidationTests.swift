import NIOCore
import TapioSimulation
import TapioWire
import XCTest

/// Every malformed frame gets its own typed error, found from the header before anything is
/// allocated for the payload.
final class FrameValidationTests: XCTestCase {
    private func frameBytes(_ message: Message, compress: Bool = false) -> ByteBuffer { message.frame(compress: compress).wireBytes }

    /// Rewrites header fields and fixes the CRC, to break exactly one rule.
    private func crafted(_ edit: (inout FrameHeader) -> Void, payload: [UInt8] = []) -> ByteBuffer {
        var header = FrameHeader(length: UInt32(24 + payload.count), crc32c: 0, type: .heartbeat, rawLength: UInt32(payload.count))
        edit(&header)
        header.crc32c = WireFrame.computeCRC(header: header, payload: ByteBuffer(bytes: payload))
        return WireFrame(header: header, payload: ByteBuffer(bytes: payload)).wireBytes
    }

    private func assertParse(_ bytes: ByteBuffer, limits: WireLimits = .default, throws expected: WireError, file: StaticString = #filePath, line: UInt = #line) {
        var buffer = bytes
        XCTAssertThrowsError(try WireFrame.parse(from: &buffer, limits: limits), file: file, line: line) {
            XCTAssertEqual($0 as? WireError, expected, file: file, line: line)
        }
    }

    func testGoodFrameParsesAndNeedsWholeFrame() throws {
        let bytes = frameBytes(.batch(sequence: 9, RecordBatch(records: SampleRecords.everyKind)))
        for cut in [0, 4, 8, 31, 32, bytes.readableBytes - 1] {
            var partial = bytes.getSlice(at: 0, length: cut)!
            XCTAssertNil(try WireFrame.parse(from: &partial, limits: .default), "cut at \(cut)")
            XCTAssertEqual(partial.readableBytes, cut, "nothing consumed while incomplete")
        }
        var whole = bytes
        let frame = try XCTUnwrap(try WireFrame.parse(from: &whole, limits: .default))
        XCTAssertEqual(frame.header.sequence, 9)
        XCTAssertEqual(frame.header.count, UInt32(SampleRecords.everyKind.count))
        XCTAssertEqual(frame.wireBytes, bytes, "re-encoding gives the identical bytes")
    }

    func testBadMagic() {
        assertParse(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"), throws: .badMagic(found: 0x4745_5420))
    }

    func testLengthBelowHeader() {
        var bytes = ByteBuffer()
        bytes.writeInteger(FrameHeader.magic)
        bytes.writeInteger(UInt32(3))
        assertParse(bytes, throws: .frameTooShort(length: 3))
    }

    /// An oversized length is refused from the first 8 bytes: the other 4 MiB never arrive.
    func testLengthOverLimitIsRefusedFromEightBytes() {
        var bytes = ByteBuffer()
        bytes.writeInteger(FrameHeader.magic)
        bytes.writeInteger(UInt32(5 << 20))
        assertParse(bytes, throws: .frameTooLarge(length: 5 << 20, limit: 4 << 20))
    }

    func testUnknownVersion() {
        assertParse(crafted { $0.version = 2 }, throws: .unsupportedVersion(2))
    }

    func testCRCMismatch() {
        var bytes = frameBytes(.batch(sequence: 1, RecordBatch(records: SampleRecords.everyKind)))
        let at = FrameHeader.size + 5
        bytes.setInteger(bytes.getInteger(at: at, as: UInt8.self)! ^ 0x40, at: at)
        let stored = bytes.getInteger(at: 8, as: UInt32.self)!
        var copy = bytes
        XCTAssertThrowsError(try WireFrame.parse(from: &copy, limits: .default)) { error in
            guard case .crcMismatch(let expected, let computed)? = error as? WireError else { return XCTFail("\(error)") }
            XCTAssertEqual(expected, stored)
            XCTAssertNotEqual(computed, stored)
        }
    }

    func testRawLengthOverLimit() {
        assertParse(
            crafted({ $0.flags = 1; $0.rawLength = 1 << 30 }, payload: [UInt8](repeating: 1, count: 16)),
            throws: .rawLengthTooLarge(rawLength: 1 << 30, limit: 16 << 20))
    }

    func testDecompressionBombRatio() {
        assertParse(
            crafted({ $0.flags = 1; $0.rawLength = 8 << 20 }, payload: [UInt8](repeating: 1, count: 32)),
            throws: .compressionRatioTooHigh(rawLength: 8 << 20, wireLength: 32, limit: 128))
        assertParse(
            crafted({ $0.flags = 1; $0.rawLength = 200 }, payload: []),
            throws: .compressionRatioTooHigh(rawLength: 200, wireLength: 0, limit: 128))
    }

    func testUnknownFlagsAndReservedByte() {
        assertParse(crafted { $0.flags = 0x82 }, throws: .reservedBitsSet(flags: 0x82, reserved: 0))
        assertParse(crafted { $0.reserved = 1 }, throws: .reservedBitsSet(flags: 0, reserved: 1))
    }

    func testUncompressedRawLengthMustMatch() {
        assertParse(crafted({ $0.rawLength = 10 }, payload: [1, 2, 3]), throws: .uncompressedLengthMismatch(rawLength: 10, payloadLength: 3))
    }

    func testLZ4OutputNotMatchingRawLength() throws {
        var mix = RecordMix(containers: 5)
        let raw = RecordBatch.encode(mix.nextSecond())
        let compressed = try XCTUnwrap(raw.readableBytesView.withUnsafeBytes { LZ4Block.compressIfSmaller($0) })
        var bytes = crafted({ $0.type = .batch; $0.sequence = 1; $0.flags = 1; $0.rawLength = UInt32(raw.readableBytes + 7) }, payload: compressed)
        let frame = try XCTUnwrap(try WireFrame.parse(from: &bytes, limits: .default))
        XCTAssertThrowsError(try frame.decodedPayload()) {
            XCTAssertEqual($0 as? WireError, .decompressedLengthMismatch(expected: raw.readableBytes + 7, actual: raw.readableBytes))
        }
    }

    func testCustomLimitsApply() {
        let limits = WireLimits(maxFrameLength: 100, maxRawLength: 50, maxCompressionRatio: 4)
        assertParse(frameBytes(.batch(sequence: 1, RecordBatch(records: SampleRecords.everyKind))), limits: limits, throws: .frameTooLarge(length: 1101, limit: 100))
        assertParse(crafted({ $0.flags = 1; $0.rawLength = 60 }, payload: [UInt8](repeating: 0, count: 20)), limits: limits, throws: .rawLengthTooLarge(rawLength: 60, limit: 50))
    }

    func testErrorMessagesNameTheProblem() {
        XCTAssertEqual(WireError.frameTooLarge(length: 9 << 20, limit: 4 << 20).description, "frame length 9437184 bytes exceeds the 4194304-byte limit")
        XCTAssertEqual(WireError.badMagic(found: 0x47455420).description, "bad frame magic 0x47455420 (expected 0x5450494F \"TPIO\"): not a Tapio peer or stream out of sync")
        XCTAssertEqual(WireError.crcMismatch(expected: 1, computed: 2).description, "frame CRC-32C mismatch: header says 0x00000001, bytes give 0x00000002")
    }
}
