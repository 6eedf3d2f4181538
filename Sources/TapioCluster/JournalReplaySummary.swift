/// What replaying a journal directory found.
public struct JournalReplaySummary: Sendable, Equatable {
    /// The dedup state and counters rebuilt from checkpoints and BATCH frames.
    public var ledger = StreamLedger()
    /// Segments read, oldest first.
    public var segments: [JournalSegment] = []
    /// Frames read in all (BATCH, markers, checkpoints).
    public var frames: UInt64 = 0
    /// BATCH frames handed to the replay body.
    public var batches: UInt64 = 0
    /// Records in those frames.
    public var records: UInt64 = 0
    /// BATCH frames dropped because their sequence was already applied (should stay 0).
    public var duplicates: UInt64 = 0
    /// Damage found, in order. Empty for a clean journal.
    public var issues: [JournalReplayIssue] = []
    /// The journal index the next frame would get (one past the last valid frame).
    public var nextIndex: UInt64 = 1

    public init() {}
}
