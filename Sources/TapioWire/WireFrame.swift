import NIOCore

/// One frame as it crosses the wire: its header and its payload bytes as sent (still
/// compressed when flag bit 0 is set). Journals and dumps store exactly these bytes.
public struct WireFrame: Equatable, Sendable {
    public var header: FrameHeader
    public var payload: ByteBuffer

    public init(header: FrameHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }

    /// Builds a frame around `rawPayload`, LZ4-compressing it when `compress` is set and that
    /// makes it smaller, and computes length, rawLength and the CRC.
    public init(type: MessageType, sequence: UInt64 = 0, count: UInt32 = 0, rawPayload: ByteBuffer, compress: Bool = false) {
        var payload = rawPayload
        var flags: UInt8 = 0
        if compress {
            let compressed = rawPayload.readableBytesView.withUnsafeBytes { LZ4Block.compressIfSmaller($0) }
            // A receiver refuses ratios over its limit as decompression bombs: send such
            // (very repetitive) payloads as they are rather than have them rejected.
            if let compressed,
                UInt64(rawPayload.readableBytes) <= UInt64(max(compressed.count, 1)) * UInt64(WireLimits.default.maxCompressionRatio)
            {
                payload = ByteBuffer(bytes: compressed)
                flags = FrameHeader.compressedFlag
            }
        }
        var header = FrameHeader(
            length: UInt32(FrameHeader.lengthCoveredHeaderSize + payload.readableBytes), crc32c: 0,
            type: type, flags: flags, sequence: sequence, count: count,
            rawLength: UInt32(rawPayload.readableBytes))
        header.crc32c = Self.computeCRC(header: header, payload: payload)
        self.init(header: header, payload: payload)
    }

    /// CRC-32C over header bytes 12..31 followed by the payload.
    public static func computeCRC(header: FrameHeader, payload: ByteBuffer) -> UInt32 {
        var covered = ByteBuffer()
        covered.reserveCapacity(FrameHeader.size)
        header.write(to: &covered)
        let headerCRC = covered.readableBytesView.dropFirst(FrameHeader.crcCoverageStart)
            .withUnsafeBytes { CRC32C.checksum($0) }
        return payload.readableBytesView.withUnsafeBytes { CRC32C.checksum($0, continuing: headerCRC) }
    }

    /// The payload after decompression, checked against `rawLength`. The header has already
    /// been validated against the limits, so the allocation here is bounded.
    public func decodedPayload() throws(WireError) -> ByteBuffer {
        guard header.isCompressed else { return payload }
        let raw = try payload.readableBytesView.withUnsafeBytes { (bytes) throws(WireError) -> [UInt8] in
            try LZ4Block.decompress(bytes, rawLength: Int(header.rawLength))
        }
        return ByteBuffer(bytes: raw)
    }

    /// Appends the frame's exact wire bytes.
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: header.frameSize)
        header.write(to: &buffer)
        var copy = payload
        buffer.writeBuffer(&copy)
    }

    public var wireBytes: ByteBuffer {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return buffer
    }

    /// Parses one frame from the front of `buffer`, consuming it. Returns nil (consuming
    /// nothing) when more bytes are needed. Every limit is checked from the header before the
    /// payload is waited for; the CRC once the whole frame is in.
    public static func parse(from buffer: inout ByteBuffer, limits: WireLimits) throws(WireError) -> WireFrame? {
        let start = buffer.readerIndex
        guard let magic = buffer.getInteger(at: start, as: UInt32.self),
            let length = buffer.getInteger(at: start + 4, as: UInt32.self)
        else { return nil }
        try FrameHeader.checkPrefix(magic: magic, length: length, limits: limits)
        guard let header = FrameHeader.peek(buffer) else { return nil }
        try header.validate(limits: limits)
        guard buffer.readableBytes >= header.frameSize else { return nil }
        let computed = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[FrameHeader.crcCoverageStart..<header.frameSize]))
        }
        guard computed == header.crc32c else { throw .crcMismatch(expected: header.crc32c, computed: computed) }
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        let payload = buffer.readSlice(length: header.payloadLength)!
        return WireFrame(header: header, payload: payload)
    }
}
