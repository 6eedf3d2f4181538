/// Every way bytes from a peer or a dump can be wrong. Each case reads as one line that names
/// the problem, so a server can log it and close just that connection.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt8)
    case frameTooShort(length: UInt32)
    case frameTooLarge(length: UInt32, limit: UInt32)
    case rawLengthTooLarge(rawLength: UInt32, limit: UInt32)
    case compressionRatioTooHigh(rawLength: UInt32, wireLength: UInt32, limit: UInt32)
    case crcMismatch(expected: UInt32, computed: UInt32)
    case reservedBitsSet(flags: UInt8, reserved: UInt8)
    case uncompressedLengthMismatch(rawLength: UInt32, payloadLength: UInt32)
    case decompressionFailed(code: Int)
    case decompressedLengthMismatch(expected: Int, actual: Int)
    case recordTruncated(index: Int, offset: Int)
    case recordBodyTooShort(kind: RecordKind, needed: Int, actual: Int)
    case recordCountMismatch(header: UInt32, actual: Int)
    case messageTooShort(type: MessageType, needed: Int, actual: Int)
    case unexpectedMessage(expected: MessageType, actual: MessageType)
    case invalidField(String)
    case stringTooLong(field: String, length: Int, limit: Int)
    case badDumpHeader(String)
    case truncatedDump(offset: Int, needed: Int, available: Int)
    case closedMidFrame(bufferedBytes: Int)

    /// A stable name for the error kind, as used in protocol/vectors/*.json and logs.
    public var code: String {
        switch self {
        case .badMagic: "bad-magic"
        case .unsupportedVersion: "unsupported-version"
        case .frameTooShort: "frame-too-short"
        case .frameTooLarge: "frame-too-large"
        case .rawLengthTooLarge: "raw-length-too-large"
        case .compressionRatioTooHigh: "compression-ratio-too-high"
        case .crcMismatch: "crc-mismatch"
        case .reservedBitsSet: "reserved-bits-set"
        case .uncompressedLengthMismatch: "uncompressed-length-mismatch"
        case .decompressionFailed: "decompression-failed"
        case .decompressedLengthMismatch: "decompressed-length-mismatch"
        case .recordTruncated: "record-truncated"
        case .recordBodyTooShort: "record-body-too-short"
        case .recordCountMismatch: "record-count-mismatch"
        case .messageTooShort: "message-too-short"
        case .unexpectedMessage: "unexpected-message"
        case .invalidField: "invalid-field"
        case .stringTooLong: "string-too-long"
        case .badDumpHeader: "bad-dump-header"
        case .truncatedDump: "truncated-dump"
        case .closedMidFrame: "closed-mid-frame"
        }
    }

    public var description: String {
        switch self {
        case .badMagic(let found):
            return "bad frame magic 0x\(hex(found)) (expected 0x5450494F \"TPIO\"): not a Tapio peer or stream out of sync"
        case .unsupportedVersion(let version):
            return "unsupported protocol version \(version) (this build speaks version \(FrameHeader.protocolVersion))"
        case .frameTooShort(let length):
            return "frame length \(length) is shorter than the \(FrameHeader.lengthCoveredHeaderSize)-byte header remainder"
        case .frameTooLarge(let length, let limit):
            return "frame length \(length) bytes exceeds the \(limit)-byte limit"
        case .rawLengthTooLarge(let rawLength, let limit):
            return "frame claims \(rawLength) bytes after decompression, over the \(limit)-byte limit"
        case .compressionRatioTooHigh(let rawLength, let wireLength, let limit):
            return "frame claims \(rawLength) bytes from \(wireLength) compressed bytes, over the \(limit):1 ratio limit (decompression bomb?)"
        case .crcMismatch(let expected, let computed):
            return "frame CRC-32C mismatch: header says 0x\(hex(expected)), bytes give 0x\(hex(computed))"
        case .reservedBitsSet(let flags, let reserved):
            return "frame has unknown flag bits (flags 0x\(String(flags, radix: 16)), reserved \(reserved)); refusing to guess their meaning"
        case .uncompressedLengthMismatch(let rawLength, let payloadLength):
            return "uncompressed frame has rawLength \(rawLength) but carries \(payloadLength) payload bytes"
        case .decompressionFailed(let code):
            return "LZ4 block is corrupt (LZ4_decompress_safe returned \(code))"
        case .decompressedLengthMismatch(let expected, let actual):
            return "LZ4 block decompressed to \(actual) bytes, header promised \(expected)"
        case .recordTruncated(let index, let offset):
            return "record \(index) at payload offset \(offset) runs past the end of the payload"
        case .recordBodyTooShort(let kind, let needed, let actual):
            return "\(kind) record body is \(actual) bytes, its fields need \(needed)"
        case .recordCountMismatch(let header, let actual):
            return "frame header counts \(header) records but the payload holds \(actual)"
        case .messageTooShort(let type, let needed, let actual):
            return "\(type) payload is \(actual) bytes, its fields need \(needed)"
        case .unexpectedMessage(let expected, let actual):
            return "expected a \(expected) message, got \(actual)"
        case .invalidField(let what):
            return "invalid field: \(what)"
        case .stringTooLong(let field, let length, let limit):
            return "\(field) is \(length) bytes, over the \(limit)-byte limit"
        case .badDumpHeader(let why):
            return "not a Tapio dump file: \(why)"
        case .truncatedDump(let offset, let needed, let available):
            return "dump truncated at byte \(offset): frame needs \(needed) bytes, only \(available) remain"
        case .closedMidFrame(let buffered):
            return "connection closed in the middle of a frame (\(buffered) bytes of it received)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
