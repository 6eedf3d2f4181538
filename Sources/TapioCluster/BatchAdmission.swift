/// What the aggregator did with one BATCH.
public enum BatchAdmission: Sendable, Equatable {
    /// Applied now; acknowledge once the journal is durable up to `journalIndex`.
    case applied(journalIndex: UInt64)
    /// Already applied earlier (a resend); acknowledge once `journalIndex` is durable.
    case duplicate(journalIndex: UInt64)
    /// Could not be made durable (journal error): do not acknowledge, close the connection.
    case failed(String)
}
