#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TapioWire

/// Everything that can go wrong with the journal, each a single line that names the path and
/// the cause. After a write or sync failure the journal stops (`stopped`): nothing more is
/// appended or declared durable, so the server stops acknowledging instead of acking data it
/// may have lost; a restart replays and repairs what is on disk.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The directory cannot be created, opened, listed or written.
    case directoryUnusable(path: String, reason: String)
    /// Another process holds the journal directory.
    case locked(path: String)
    /// A file in the journal directory that is not a journal segment.
    case foreignFile(path: String)
    /// A segment could not be read during replay (I/O, not content: bad content is reported
    /// in the replay summary and skipped).
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case syncFailed(path: String, reason: String)
    /// An earlier write or sync failed; the journal accepts nothing more.
    case stopped(cause: String)
    case closed
    /// Only BATCH frames are journaled through `append`.
    case notABatch(MessageType)
    case invalidSequence(UInt64)

    public var description: String {
        switch self {
        case .directoryUnusable(let path, let reason): "journal directory \(path) is unusable: \(reason)"
        case .locked(let path): "journal directory \(path) is in use by another process (lock held)"
        case .foreignFile(let path): "journal directory holds \(path), which is not a journal segment (journal-<20 digits>.tpio); move it away"
        case .readFailed(let path, let reason): "cannot read journal segment \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write journal segment \(path): \(reason)"
        case .syncFailed(let path, let reason): "cannot fsync journal segment \(path): \(reason)"
        case .stopped(let cause): "journal stopped after an earlier failure (\(cause)); no further frames are accepted or acknowledged"
        case .closed: "journal is closed"
        case .notABatch(let type): "only BATCH frames are journaled, got \(type)"
        case .invalidSequence(let sequence): "BATCH sequence \(sequence) is invalid (sequences start at 1)"
        }
    }

    /// True when the failure is the disk (or quota) being full.
    public var isDiskFull: Bool {
        let markers = [ENOSPC, EDQUOT].map { String(cString: strerror($0)) }
        switch self {
        case .writeFailed(_, let reason), .syncFailed(_, let reason), .stopped(let reason):
            return markers.contains { reason.contains($0) }
        default:
            return false
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
