#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore
import TapioWire

/// The aggregator's write-ahead journal: every applied BATCH frame, in dump-file segments
/// (`journal-<20-digit first index>.tpio`), so a restart or crash rebuilds the exact state and
/// dedup ledger from disk.
///
/// Format (wire frames only, readable by `tapio dump`):
/// - Before a BATCH whose stream differs from the previous frame's stream in the same segment,
///   an AUTH marker names the stream (role exporter, node name, stream epoch, zero nonce and
///   proof). Every BATCH therefore belongs to the last AUTH before it in its segment.
/// - Every segment starts with a checkpoint: for each stream the ledger knows, an AUTH marker
///   followed by an ACK carrying its last applied sequence. Trimming old segments never loses
///   dedup state.
/// - Every frame of the journal has an index (1, 2, ... across segments, markers and
///   checkpoints included); a segment is named after its first frame's index.
///
/// Group commit: `append` only buffers and writes (no fsync) and returns the frame's index;
/// `commit` writes what is buffered, fsyncs, and returns the highest index now durable. One
/// flush loop (`JournalCommitter`) calls `commit` while there are appends; the server
/// acknowledges a frame only once its index is durable.
///
/// Thread-safe: appends come from many event-loop threads; one lock guards the buffer and the
/// ledger (admission, write and ledger update are one atomic step), and fsync runs outside it
/// so appends continue while the disk syncs.
public final class Journal: @unchecked Sendable {
    public let directory: String
    public let configuration: JournalConfiguration
    /// What the replay at open found (ledger, frames, repaired damage).
    public let replaySummary: JournalReplaySummary

    private struct SegmentState {
        var segment: JournalSegment
        var bytes: Int
        /// Index of the segment's last checkpoint frame (firstIndex - 1 when it has none).
        var checkpointEnd: UInt64
    }

    private struct OpenFile {
        var path: String
        var descriptor: Int32
    }

    private let lock = NIOLock()
    private let commitLock = NIOLock()
    /// The locked directory; -1 once closed (the lock is released with it).
    private var directoryDescriptor: Int32

    // Guarded by `lock`.
    private var ledger: StreamLedger
    private var lastIndexByStream: [StreamKey: UInt64] = [:]
    private var markers: [StreamKey: WireFrame] = [:]
    private var writer: DumpWriter?
    private var activeFile: OpenFile?
    /// Rotated segments written but not yet fsynced (descriptors kept open for the sync).
    private var unsynced: [OpenFile] = []
    private var segments: [SegmentState] = []
    private var currentStream: StreamKey?
    /// BATCHes written since the last stream marker: a marker is repeated every
    /// `framesPerMarker`, so damage that skips one costs at most that many frames.
    private var framesSinceMarker = 0
    private var nextIndex: UInt64
    private var durable: UInt64 = 0
    private var directoryNeedsSync = false
    private var retentionDue = true
    private var lastRetentionCheck: Double = 0
    private var failure: JournalError?
    private var closed = false

    /// Opens (creating it if needed) and locks the journal directory, replays every segment
    /// through `body` (rebuilding the ledger, cutting a torn tail off the last segment), and
    /// starts a new segment with a checkpoint.
    public init(
        directory: String, configuration: JournalConfiguration = JournalConfiguration(),
        replay body: (StreamKey, WireFrame) throws -> Void = { _, _ in }
    ) throws {
        self.directory = directory
        self.configuration = configuration
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw JournalError.directoryUnusable(path: directory, reason: "cannot create it: \(JournalError.errnoText())")
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw JournalError.directoryUnusable(path: directory, reason: "cannot open it: \(JournalError.errnoText())")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            closeDescriptor(fd)
            if code == EWOULDBLOCK { throw JournalError.locked(path: directory) }
            throw JournalError.directoryUnusable(path: directory, reason: "cannot lock it: \(JournalError.errnoText(code))")
        }
        directoryDescriptor = fd
        do {
            guard access(directory, W_OK) == 0 else {
                throw JournalError.directoryUnusable(path: directory, reason: "not writable: \(JournalError.errnoText())")
            }
            let replayed = try Self.replayDetailed(directory: directory, limits: configuration.limits, repair: true, body)
            replaySummary = replayed.summary
            ledger = replayed.summary.ledger
            nextIndex = replayed.summary.nextIndex
            var kept = replayed.segments
            // A last segment that holds nothing (crash before its first frame) is removed so
            // the new segment can take its name.
            if let last = kept.last, last.bytes <= DumpFileHeader.size, last.frames == 0 {
                unlink(last.segment.path)
                kept.removeLast()
            }
            segments = kept.map { SegmentState(segment: $0.segment, bytes: $0.bytes, checkpointEnd: $0.segment.firstIndex) }
            // Make the replayed (possibly just repaired) tail durable before building on it.
            if let last = kept.last {
                let lastFD = open(last.segment.path, O_RDONLY | O_CLOEXEC)
                if lastFD >= 0 {
                    _ = fdatasync(lastFD)
                    closeDescriptor(lastFD)
                }
            }
            try locked(lock) { () throws(JournalError) in
                try openSegment()
            }
            _ = try commit()
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    deinit {
        releaseFiles()
    }

    /// Closes every descriptor and releases the directory lock (called with `lock` held, or
    /// from deinit).
    private func releaseFiles() {
        for file in unsynced { closeDescriptor(file.descriptor) }
        unsynced = []
        if let activeFile { closeDescriptor(activeFile.descriptor) }
        activeFile = nil
        writer = nil
        if directoryDescriptor >= 0 { closeDescriptor(directoryDescriptor) }
        directoryDescriptor = -1
    }

    // MARK: Appending

    /// Offers a BATCH of `stream` to the journal. A new sequence is journaled (buffered, not
    /// yet durable) and recorded in the ledger in one step; a sequence already applied is
    /// not written. Pass the decoded `batch` when the caller has it (loss reports are counted
    /// from it); otherwise the frame is decoded here, outside the lock.
    ///
    /// Throws on a write failure (the journal then stops: see `JournalError.stopped`).
    @discardableResult
    public func append(stream: StreamKey, frame: WireFrame, batch: RecordBatch? = nil) throws(JournalError) -> JournalAppend {
        guard frame.header.type == .batch else { throw .notABatch(frame.header.type) }
        guard frame.header.sequence > 0 else { throw .invalidSequence(frame.header.sequence) }
        let losses: [LossReport]
        if let batch {
            losses = batch.records.compactMap { if case .lossReport(let r) = $0.body { r } else { nil } }
        } else {
            losses = StreamLedger.lossReports(in: frame)
        }
        return try locked(lock) { () throws(JournalError) -> JournalAppend in
            try checkUsable()
            switch ledger.admit(stream, sequence: frame.header.sequence) {
            case .duplicate(let last):
                return .duplicate(lastApplied: last, index: lastIndexByStream[stream] ?? 0)
            case .apply:
                break
            }
            do throws(JournalError) {
                if segments[segments.count - 1].bytes >= configuration.segmentBytes { try rotate() }
                if currentStream != stream || framesSinceMarker >= Self.framesPerMarker {
                    try write(marker(stream))
                    currentStream = stream
                    framesSinceMarker = 0
                }
                let index = try write(frame)
                framesSinceMarker += 1
                ledger.recordApplied(stream, header: frame.header, losses: losses)
                lastIndexByStream[stream] = index
                return .appended(index: index)
            } catch {
                failure = error
                throw error
            }
        }
    }

    /// Writes everything appended so far, fsyncs it, and returns the highest index now
    /// durable. Serialised with other commits; appends go on while the disk syncs.
    @discardableResult
    public func commit() throws(JournalError) -> UInt64 {
        try locked(commitLock) { () throws(JournalError) -> UInt64 in
            let plan = try locked(lock) { () throws(JournalError) -> (target: UInt64, files: [OpenFile], retired: [OpenFile], syncDirectory: Bool)? in
                if let failure { throw .stopped(cause: failure.description) }
                guard let writer, let activeFile else { throw .closed }
                let target = nextIndex - 1
                if target == durable, unsynced.isEmpty, !directoryNeedsSync { return nil }
                do {
                    try writer.flush()
                } catch {
                    let failed = JournalError.writeFailed(path: writer.path, reason: Self.reason(error))
                    failure = failed
                    throw failed
                }
                let retired = unsynced
                unsynced = []
                let syncDirectory = directoryNeedsSync
                directoryNeedsSync = false
                return (target, retired + [activeFile], retired, syncDirectory)
            }
            guard let plan else { return lock.withLock { durable } }
            for file in plan.files where fdatasync(file.descriptor) != 0 {
                let failed = JournalError.syncFailed(path: file.path, reason: JournalError.errnoText())
                lock.withLock { failure = failed }
                throw failed
            }
            if plan.syncDirectory, fsync(directoryDescriptor) != 0 {
                let failed = JournalError.syncFailed(path: directory, reason: JournalError.errnoText())
                lock.withLock { failure = failed }
                throw failed
            }
            for file in plan.retired { closeDescriptor(file.descriptor) }
            let now = Self.now()
            let checkRetention = lock.withLock { () -> Bool in
                durable = max(durable, plan.target)
                let due = retentionDue || now - lastRetentionCheck >= 10
                return due
            }
            if checkRetention { enforceRetention(now: now) }
            return plan.target
        }
    }

    /// Commits, closes the active segment and releases the directory lock. Further appends
    /// throw `closed`. The files are released even when the final commit fails.
    public func close() throws(JournalError) {
        defer {
            commitLock.withLock {
                lock.withLock {
                    closed = true
                    releaseFiles()
                }
            }
        }
        if lock.withLock({ closed }) { return }
        try commit()
    }

    // MARK: State

    /// The highest index handed out by `append` (markers and checkpoints included).
    public var appendedIndex: UInt64 { lock.withLock { nextIndex - 1 } }
    /// The highest index known to be on disk.
    public var durableIndex: UInt64 { lock.withLock { durable } }
    /// True when appends are waiting for a commit.
    public var hasUncommitted: Bool { lock.withLock { nextIndex - 1 > durable || !unsynced.isEmpty } }
    /// A snapshot of the dedup ledger and per-stream counters.
    public var currentLedger: StreamLedger { lock.withLock { ledger } }
    public func lastApplied(_ key: StreamKey) -> UInt64 { lock.withLock { ledger.lastApplied(key) } }
    /// The failure that stopped the journal, if any.
    public var stopCause: JournalError? { lock.withLock { failure } }
    /// The segment files now on disk, oldest first (the last is being written).
    public var segmentPaths: [String] { lock.withLock { segments.map(\.segment.path) } }

    // MARK: Retention

    /// Deletes whole oldest segments while all segments together exceed `retentionBytes` or
    /// while the oldest was last written more than `retentionSeconds` ago. Never the active
    /// segment, and never one whose successor's checkpoint is not yet durable. Returns the
    /// paths deleted.
    @discardableResult
    public func enforceRetention(now: Double? = nil) -> [String] {
        let now = now ?? Self.now()
        let victims = lock.withLock { () -> [String] in
            retentionDue = false
            lastRetentionCheck = now
            var total = segments.reduce(0) { $0 + $1.bytes }
            var count = 0
            while count + 1 < segments.count {
                let oldest = segments[count]
                guard segments[count + 1].checkpointEnd <= durable else { break }
                var info = stat()
                let age = stat(oldest.segment.path, &info) == 0 ? now - Double(info.st_mtim.tv_sec) : 0
                guard total > configuration.retentionBytes || age > configuration.retentionSeconds else { break }
                total -= oldest.bytes
                count += 1
            }
            let removed = segments.prefix(count).map(\.segment.path)
            segments.removeFirst(count)
            return removed
        }
        for path in victims { unlink(path) }
        return victims
    }

    // MARK: Internals (called with `lock` held)

    private func checkUsable() throws(JournalError) {
        if let failure { throw .stopped(cause: failure.description) }
        if closed { throw .closed }
    }

    @discardableResult
    private func write(_ frame: WireFrame) throws(JournalError) -> UInt64 {
        guard let writer else { throw .closed }
        do {
            try writer.append(frame)
        } catch {
            throw .writeFailed(path: writer.path, reason: Self.reason(error))
        }
        segments[segments.count - 1].bytes += frame.header.frameSize
        let index = nextIndex
        nextIndex += 1
        return index
    }

    private func marker(_ key: StreamKey) -> WireFrame {
        if let frame = markers[key] { return frame }
        let frame = Self.markerFrame(key)
        markers[key] = frame
        return frame
    }

    /// How often a stream's marker is repeated in a run of its BATCHes (see `replay`: after
    /// damage, BATCHes are attributed again only from the next marker on).
    public static let framesPerMarker = 64

    static func markerFrame(_ key: StreamKey) -> WireFrame {
        StreamMarker.frame(nodeName: key.node, streamEpoch: key.epoch)
    }

    private func rotate() throws(JournalError) {
        if let writer {
            do {
                try writer.flush()
            } catch {
                throw .writeFailed(path: writer.path, reason: Self.reason(error))
            }
        }
        if let activeFile { unsynced.append(activeFile) }
        activeFile = nil
        writer = nil
        retentionDue = true
        try openSegment()
    }

    /// Creates the segment named after `nextIndex` and writes the checkpoint into it.
    private func openSegment() throws(JournalError) {
        let segment = JournalSegment(firstIndex: nextIndex, directory: directory)
        let newWriter: DumpWriter
        do {
            newWriter = try DumpWriter(path: segment.path, flushThreshold: configuration.writeBufferBytes)
        } catch {
            throw .writeFailed(path: segment.path, reason: Self.reason(error))
        }
        let fd = open(segment.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .writeFailed(path: segment.path, reason: "cannot reopen for fsync: \(JournalError.errnoText())") }
        writer = newWriter
        activeFile = OpenFile(path: segment.path, descriptor: fd)
        directoryNeedsSync = true
        currentStream = nil
        framesSinceMarker = 0
        segments.append(SegmentState(segment: segment, bytes: DumpFileHeader.size, checkpointEnd: segment.firstIndex - 1))
        for (key, stats) in ledger.streams.sorted(by: { $0.key < $1.key }) {
            try write(marker(key))
            try write(Message.ack(sequence: stats.lastApplied).frame())
            currentStream = key
        }
        segments[segments.count - 1].checkpointEnd = nextIndex - 1
    }

    /// The cause of a DumpWriter failure without its own "cannot write to <path>: " prefix
    /// (the journal error already names the path).
    static func reason(_ error: any Error) -> String {
        let text = (error as? DumpWriter.IOError)?.description ?? String(describing: error)
        for prefix in ["cannot write to ", "cannot open ", "cannot fsync "] where text.hasPrefix(prefix) {
            if let colon = text.range(of: ": ", options: .backwards) { return String(text[colon.upperBound...]) }
        }
        return text
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// NIOLock.withLock rethrows untyped errors; this keeps `throws(JournalError)`.
private func locked<T>(_ lock: NIOLock, _ body: () throws(JournalError) -> T) throws(JournalError) -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
