import TapioWire

/// Sizes and retention of a journal.
public struct JournalConfiguration: Sendable, Equatable {
    /// A segment is closed and a new one started once it reaches this size.
    public var segmentBytes: Int
    /// Oldest whole segments are deleted while all segments together exceed this.
    public var retentionBytes: Int
    /// Segments whose last write is older than this are deleted.
    public var retentionSeconds: Double
    /// Bytes buffered in memory before a write(2) (DumpWriter's flush threshold).
    public var writeBufferBytes: Int
    /// Limits used when reading segments back.
    public var limits: WireLimits

    public init(
        segmentBytes: Int = 64 << 20, retentionBytes: Int = 1 << 30, retentionSeconds: Double = 24 * 3600,
        writeBufferBytes: Int = 256 << 10, limits: WireLimits = .default
    ) {
        self.segmentBytes = segmentBytes
        self.retentionBytes = retentionBytes
        self.retentionSeconds = retentionSeconds
        self.writeBufferBytes = writeBufferBytes
        self.limits = limits
    }
}
