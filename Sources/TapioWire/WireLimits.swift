/// Limits a receiver enforces from the header alone, before it allocates or decompresses.
public struct WireLimits: Sendable, Equatable {
    /// Largest value accepted in the header's `length` field (bytes after that field).
    public var maxFrameLength: UInt32
    /// Largest payload accepted after decompression.
    public var maxRawLength: UInt32
    /// Largest rawLength / on-wire payload length accepted for a compressed frame. LZ4 cannot
    /// exceed about 255:1, and real record batches stay far below that.
    public var maxCompressionRatio: UInt32

    public init(maxFrameLength: UInt32 = 4 << 20, maxRawLength: UInt32 = 16 << 20, maxCompressionRatio: UInt32 = 128) {
        self.maxFrameLength = maxFrameLength
        self.maxRawLength = maxRawLength
        self.maxCompressionRatio = maxCompressionRatio
    }

    public static let `default` = WireLimits()
}
