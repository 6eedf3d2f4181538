/// The outcome of offering a BATCH to the journal.
public enum JournalAppend: Sendable, Equatable {
    /// New: journaled at `index`. Apply it now; acknowledge its sequence once `index` is durable.
    case appended(index: UInt64)
    /// Already applied: drop it. Acknowledge `lastApplied` once `index` (the journal index of
    /// that stream's last applied frame, possibly not yet committed) is durable.
    case duplicate(lastApplied: UInt64, index: UInt64)

    /// The journal index to wait for before acknowledging.
    public var index: UInt64 {
        switch self {
        case .appended(let index), .duplicate(_, let index): index
        }
    }
}
