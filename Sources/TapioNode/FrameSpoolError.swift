/// Why a frame store refused an operation or a spool directory. Every case reads as one line
/// that names the problem and, for the disk spool, the path involved, so the exporter can log
/// it and exit (at open) or retry (on append).
public enum FrameSpoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The spool directory cannot be created, is not a directory, or cannot be written.
    case directoryUnusable(path: String, reason: String)
    /// A file named like a segment (`segment-<20 digits>.tpio`) that is not a Tapio dump.
    case notASegment(path: String, reason: String)
    /// The epoch file exists but does not hold one non-zero decimal integer.
    case badEpochFile(path: String, reason: String)
    /// Segments are present but the epoch file is missing: their sequence space is unknown.
    case missingEpochFile(path: String)
    /// Segment contents or names disagree about sequence numbers (never produced by this
    /// code: a bug or a file copied in from elsewhere).
    case inconsistentSegments(path: String, reason: String)
    /// Reading, writing, truncating or deleting a spool file failed.
    case ioFailed(path: String, reason: String)
    /// `append` got a frame whose sequence does not follow the store's last sequence.
    case sequenceNotNext(expected: UInt64, got: UInt64)
    /// `append` got a frame that is not a BATCH (only batches carry stream sequences).
    case notABatch(type: UInt8)

    public var description: String {
        switch self {
        case .directoryUnusable(let path, let reason):
            return "spool directory \(path) is not usable: \(reason)"
        case .notASegment(let path, let reason):
            return "spool file \(path) is named like a segment but is not a Tapio dump (\(reason)); move it out of the spool directory"
        case .badEpochFile(let path, let reason):
            return "spool epoch file \(path) is unreadable: \(reason); fix or remove the spool directory"
        case .missingEpochFile(let path):
            return "spool epoch file \(path) is missing but segments are present; their stream is unknown, so refusing to resend them under a new epoch"
        case .inconsistentSegments(let path, let reason):
            return "spool segment \(path) is inconsistent: \(reason)"
        case .ioFailed(let path, let reason):
            return "spool I/O on \(path) failed: \(reason)"
        case .sequenceNotNext(let expected, let got):
            return "frame sequence \(got) does not follow the store (expected \(expected))"
        case .notABatch(let type):
            return "only BATCH frames can be stored, got message type \(type)"
        }
    }
}
