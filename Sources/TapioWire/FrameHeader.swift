import NIOCore

/// The fixed 32-byte frame header of wire protocol v1 (see protocol/SPEC.md). All integers
/// are big-endian.
public struct FrameHeader: Equatable, Sendable {
    public static let magic: UInt32 = 0x5450_494F  // "TPIO"
    public static let size = 32
    /// Header bytes after the length field that `length` counts (crc .. rawLength).
    public static let lengthCoveredHeaderSize = 24
    /// Bytes before the CRC-covered region (magic, length, crc).
    public static let crcCoverageStart = 12
    public static let protocolVersion: UInt8 = 1
    public static let compressedFlag: UInt8 = 0x01

    public var length: UInt32
    public var crc32c: UInt32
    public var version: UInt8
    public var type: MessageType
    public var flags: UInt8
    public var reserved: UInt8
    public var sequence: UInt64
    public var count: UInt32
    public var rawLength: UInt32

    public init(
        length: UInt32, crc32c: UInt32, version: UInt8 = FrameHeader.protocolVersion, type: MessageType,
        flags: UInt8 = 0, reserved: UInt8 = 0, sequence: UInt64 = 0, count: UInt32 = 0, rawLength: UInt32
    ) {
        self.length = length
        self.crc32c = crc32c
        self.version = version
        self.type = type
        self.flags = flags
        self.reserved = reserved
        self.sequence = sequence
        self.count = count
        self.rawLength = rawLength
    }

    public var isCompressed: Bool { flags & Self.compressedFlag != 0 }
    /// Payload bytes on the wire.
    public var payloadLength: Int { Int(length) - Self.lengthCoveredHeaderSize }
    /// Whole frame size on the wire, magic to end of payload.
    public var frameSize: Int { 8 + Int(length) }

    /// Checks magic and length from the first 8 bytes, so a hostile length is refused before
    /// anything is buffered for it.
    public static func checkPrefix(magic: UInt32, length: UInt32, limits: WireLimits) throws(WireError) {
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        guard length >= UInt32(lengthCoveredHeaderSize) else { throw .frameTooShort(length: length) }
        guard length <= limits.maxFrameLength else { throw .frameTooLarge(length: length, limit: limits.maxFrameLength) }
    }

    /// Checks everything the header alone can tell: version, flags and the decompression
    /// limits. Called as soon as 32 bytes are in, before the payload is buffered.
    public func validate(limits: WireLimits) throws(WireError) {
        guard version == Self.protocolVersion else { throw .unsupportedVersion(version) }
        guard flags & ~Self.compressedFlag == 0, reserved == 0 else {
            throw .reservedBitsSet(flags: flags, reserved: reserved)
        }
        guard rawLength <= limits.maxRawLength else {
            throw .rawLengthTooLarge(rawLength: rawLength, limit: limits.maxRawLength)
        }
        let wire = UInt32(payloadLength)
        if isCompressed {
            // Ratio against at least one byte so a zero-length compressed payload cannot
            // claim anything but zero.
            if UInt64(rawLength) > UInt64(max(wire, 1)) * UInt64(limits.maxCompressionRatio) {
                throw .compressionRatioTooHigh(rawLength: rawLength, wireLength: wire, limit: limits.maxCompressionRatio)
            }
        } else if rawLength != wire {
            throw .uncompressedLengthMismatch(rawLength: rawLength, payloadLength: wire)
        }
    }

    /// Reads a header at the reader index without moving it. Needs `size` readable bytes.
    public static func peek(_ buffer: ByteBuffer) -> FrameHeader? {
        let at = buffer.readerIndex
        guard buffer.readableBytes >= size,
            let length = buffer.getInteger(at: at + 4, as: UInt32.self),
            let crc = buffer.getInteger(at: at + 8, as: UInt32.self),
            let version = buffer.getInteger(at: at + 12, as: UInt8.self),
            let type = buffer.getInteger(at: at + 13, as: UInt8.self),
            let flags = buffer.getInteger(at: at + 14, as: UInt8.self),
            let reserved = buffer.getInteger(at: at + 15, as: UInt8.self),
            let sequence = buffer.getInteger(at: at + 16, as: UInt64.self),
            let count = buffer.getInteger(at: at + 24, as: UInt32.self),
            let rawLength = buffer.getInteger(at: at + 28, as: UInt32.self)
        else { return nil }
        return FrameHeader(
            length: length, crc32c: crc, version: version, type: MessageType(rawValue: type), flags: flags,
            reserved: reserved, sequence: sequence, count: count, rawLength: rawLength)
    }

    /// Writes the header exactly as its fields say (CRC included as stored).
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic)
        buffer.writeInteger(length)
        buffer.writeInteger(crc32c)
        buffer.writeInteger(version)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags)
        buffer.writeInteger(reserved)
        buffer.writeInteger(sequence)
        buffer.writeInteger(count)
        buffer.writeInteger(rawLength)
    }
}
