import TapioSimulation
import TapioWire
import XCTest

final class CRC32CTests: XCTestCase {
    /// Published check values: "123456789" (the CRC catalogue) and RFC 3720 appendix B.4.
    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    /// The sliced loop must agree with the plain bitwise definition at every length and
    /// alignment, and chaining must equal one pass.
    func testSlicingMatchesBitwiseDefinition() {
        var generator = SeededGenerator(seed: 3)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(CRC32C.checksum(bytes), bitwise(bytes), "length \(length)")
            let split = length / 3
            let chained = CRC32C.checksum(bytes[split...], continuing: CRC32C.checksum(bytes[..<split]))
            XCTAssertEqual(chained, bitwise(bytes), "chained at \(split) of \(length)")
        }
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
