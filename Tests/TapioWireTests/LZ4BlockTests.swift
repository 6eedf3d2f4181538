import NIOCore
import TapioSimulation
import TapioWire
import XCTest

final class LZ4BlockTests: XCTestCase {
    func testRoundTripOfRealisticBatch() throws {
        var mix = RecordMix(containers: 50)
        let raw = Array(RecordBatch.encode(mix.nextSecond()).readableBytesView)
        let compressed = try XCTUnwrap(raw.withUnsafeBytes { LZ4Block.compressIfSmaller($0) })
        XCTAssertLessThan(compressed.count, raw.count / 2, "record batches should compress well")
        let restored = try compressed.withUnsafeBytes { try LZ4Block.decompress($0, rawLength: raw.count) }
        XCTAssertEqual(restored, raw)
    }

    func testIncompressibleBytesAreNotCompressed() {
        var generator = SeededGenerator(seed: 9)
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        XCTAssertNil(noise.withUnsafeBytes { LZ4Block.compressIfSmaller($0) })
        XCTAssertNil([UInt8]().withUnsafeBytes { LZ4Block.compressIfSmaller($0) })
    }

    /// Extremely repetitive payloads compress past the receivers' ratio limit; the sender must
    /// then send them uncompressed rather than produce a frame that looks like a bomb.
    func testSenderNeverExceedsTheRatioLimit() throws {
        let zeros = ByteBuffer(bytes: [UInt8](repeating: 0, count: 1 << 20))
        let frame = WireFrame(type: .alert, rawPayload: zeros, compress: true)
        XCTAssertFalse(frame.header.isCompressed)
        var bytes = frame.wireBytes
        XCTAssertNotNil(try WireFrame.parse(from: &bytes, limits: .default))
    }

    func testCorruptBlockIsAnErrorNotACrash() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let garbage = (0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertThrowsError(try garbage.withUnsafeBytes { try LZ4Block.decompress($0, rawLength: 100_000) }) { error in
                XCTAssert(error is WireError)
            }
        }
    }

    func testShortOutputIsALengthMismatch() throws {
        let raw = [UInt8](repeating: 7, count: 1000)
        let compressed = try XCTUnwrap(raw.withUnsafeBytes { LZ4Block.compressIfSmaller($0) })
        XCTAssertThrowsError(try compressed.withUnsafeBytes { try LZ4Block.decompress($0, rawLength: 1010) }) { error in
            XCTAssertEqual(error as? WireError, .decompressedLengthMismatch(expected: 1010, actual: 1000))
        }
    }
}
