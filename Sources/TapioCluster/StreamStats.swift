import TapioWire

/// What one stream has delivered into the aggregator's state.
///
/// `lastApplied` is the dedup state and is always rebuilt exactly from the journal (its
/// checkpoints survive trimming). The counters cover the frames still in the journal after a
/// restart; `duplicatesDropped` counts resends seen by this process only (a duplicate is never
/// journaled).
public struct StreamStats: Sendable, Equatable, Codable {
    /// Highest BATCH sequence applied (0: none yet).
    public var lastApplied: UInt64 = 0
    public var framesApplied: UInt64 = 0
    /// Records in the applied frames (the header's count).
    public var recordsApplied: UInt64 = 0
    /// Applied frames' bytes as they crossed the wire (header + compressed payload).
    public var bytesApplied: UInt64 = 0
    /// Frames whose sequence was at or below `lastApplied` and were dropped.
    public var duplicatesDropped: UInt64 = 0
    /// Times a sequence arrived more than one past `lastApplied`.
    public var gaps: UInt64 = 0
    /// Sequences skipped over by those gaps (frames the exporter never delivered).
    public var missingSequences: UInt64 = 0
    /// Records the exporter reported lost, summed from LossReport records by source.
    public var lostRecords: [LossReport.Source: UInt64] = [:]
    /// Bytes the exporter reported lost, by source.
    public var lostBytes: [LossReport.Source: UInt64] = [:]
    /// Loss report records received.
    public var lossReports: UInt64 = 0

    public init() {}

    /// All records reported lost, every source together.
    public var totalLostRecords: UInt64 { lostRecords.values.reduce(0, &+) }
}
