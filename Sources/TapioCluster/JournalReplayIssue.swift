import TapioWire

/// Damage found while replaying a journal: where it was and what was done about it.
public struct JournalReplayIssue: Sendable, Equatable, CustomStringConvertible {
    public var segment: String
    /// Byte offset of the first frame that could not be used; everything before it was read.
    public var offset: Int
    /// Bytes from `offset` that were not replayed: up to the next valid frame when reading
    /// resumed there, else to the end of the segment.
    public var bytesDropped: Int
    public var reason: String
    /// True when it was the tail of the last segment (a crash mid-write, no valid frame after
    /// it) and was cut off the file; false when the damage stays in the file (skipped).
    public var tailCut: Bool

    public init(segment: String, offset: Int, bytesDropped: Int, reason: String, tailCut: Bool) {
        self.segment = segment
        self.offset = offset
        self.bytesDropped = bytesDropped
        self.reason = reason
        self.tailCut = tailCut
    }

    public var description: String {
        tailCut
            ? "\(segment): torn tail cut at byte \(offset) (\(bytesDropped) bytes dropped): \(reason)"
            : "\(segment): damaged at byte \(offset), \(bytesDropped) bytes skipped: \(reason)"
    }
}
