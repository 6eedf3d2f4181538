#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import TapioWire

/// The exporter's bounded on-disk store of unacknowledged BATCH frames. It survives restarts
/// (same epoch, numbering continues) and crashes (torn tails are cut and counted).
///
/// Layout of `directory`:
/// - `epoch`: the stream epoch, one decimal integer, written once atomically.
/// - `segment-<first sequence, 20 digits>.tpio`: dump files (the 16-byte "TPIODUMP" header,
///   then frames exactly as sent), names sorting by sequence. The last one is the active
///   segment that appends go to; its name also records where the numbering is when it is
///   empty, so the active segment is never deleted.
///
/// Every append is written through to the active segment and flushed to the page cache
/// before `append` returns, so a SIGKILL of the exporter loses nothing it had stored (not
/// fsynced: a machine crash may lose the newest frames; see `resumeNumbering`). Segments
/// rotate at `segmentBytes`; a segment is deleted once all its frames are acknowledged. When
/// the files exceed `maxBytes`, the oldest segments are deleted and their unacknowledged
/// frames reported as a `.spool` loss. Acknowledgements are kept in memory only: after a
/// restart every frame on disk counts as unacknowledged until the aggregator's WELCOME says
/// otherwise (resending is safe: the aggregator drops sequences it already applied).
///
/// Not thread-safe: confine an instance to one isolation domain, and one directory to one
/// exporter.
public final class DiskFrameSpool: UnackedFrameStore {
    public static let defaultSegmentBytes = 4 << 20
    public static let defaultCacheBytes = 4 << 20
    public static let epochFileName = "epoch"

    public let directory: String
    /// Budget for the segment files on disk, headers and acknowledged frames included.
    public let maxBytes: Int
    /// Rotation size of a segment; at most half of `maxBytes`, so that dropping whole
    /// segments can always bring the spool back under budget.
    public let segmentBytes: Int
    public let streamEpoch: UInt64
    public private(set) var lastSequence: UInt64 = 0
    public private(set) var unackedFrames = 0
    public private(set) var unackedBytes = 0
    /// Bytes of all segment files.
    public private(set) var diskBytes = 0
    /// Highest sequence acknowledged (or below the oldest frame on disk after a restart).
    public private(set) var acknowledgedThrough: UInt64 = 0
    /// One line per repair made while opening (torn tail cut, empty segment removed, ...),
    /// for the exporter's log. The loss itself comes from `takeDiscoveredLosses()`.
    public private(set) var recoveryNotes: [String] = []

    public var segmentCount: Int { segments.count }
    public var segmentPaths: [String] { segments.map(\.path) }

    private struct FrameEntry {
        var sequence: UInt64
        var offset: Int
        var size: Int
        var count: UInt32
        /// Failed its CRC when read back: counted as loss, never returned.
        var lost = false
    }

    private struct Segment {
        var firstSequence: UInt64
        var path: String
        var fileBytes: Int
        var frames: [FrameEntry]
        /// The sequence just before what this segment holds or will hold next.
        var lastSequence: UInt64 { frames.last?.sequence ?? firstSequence - 1 }
    }

    private var segments: [Segment] = []
    private var writer: DumpWriter?
    /// The newest frames, oldest first, so resends after a short outage skip the disk.
    private var cache: [WireFrame] = []
    private var cacheHead = 0
    private var cachedBytes = 0
    private let cacheBudget: Int
    private var discovered: [LossReport] = []
    /// Set at open when corruption in the active segment hid frames that may have been sent:
    /// the numbering must continue after this sequence.
    private var numberingFloor: UInt64 = 0

    /// Opens (creating if needed) the spool in `directory`. Throws `FrameSpoolError` when the
    /// directory cannot be used or holds something this spool did not write.
    public init(
        directory: String, maxBytes: Int, segmentBytes: Int = DiskFrameSpool.defaultSegmentBytes,
        cacheBytes: Int = DiskFrameSpool.defaultCacheBytes
    ) throws(FrameSpoolError) {
        precondition(maxBytes > 0, "DiskFrameSpool needs a positive byte budget")
        precondition(segmentBytes > 0, "DiskFrameSpool needs a positive segment size")
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = max(1, min(segmentBytes, maxBytes / 2))
        self.cacheBudget = max(0, cacheBytes)

        try FrameSpoolIO.makeDirectories(directory)
        try FrameSpoolIO.checkWritable(directory, probeName: ".write-probe")

        let names = try FrameSpoolIO.listDirectory(directory)
        let epochPath = directory + "/" + Self.epochFileName
        if names.contains(Self.epochFileName + ".tmp") { try FrameSpoolIO.removeFile(epochPath + ".tmp") }

        var found: [(sequence: UInt64, path: String)] = []
        for name in names {
            guard let sequence = try Self.segmentSequence(name: name, directory: directory) else { continue }
            found.append((sequence, directory + "/" + name))
        }
        found.sort { $0.sequence < $1.sequence }

        if let epoch = try FrameSpoolEpoch.load(path: epochPath) {
            streamEpoch = epoch
        } else {
            guard found.isEmpty else { throw .missingEpochFile(path: epochPath) }
            streamEpoch = FrameSpoolEpoch.fresh()
            try FrameSpoolEpoch.store(streamEpoch, path: epochPath, directory: directory)
        }

        for (index, file) in found.enumerated() {
            let next = index + 1 < found.count ? found[index + 1].sequence : nil
            if let segment = try scanSegment(path: file.path, firstSequence: file.sequence, nextSegmentFirst: next) {
                if let previous = segments.last, segment.firstSequence <= previous.lastSequence {
                    throw .inconsistentSegments(
                        path: segment.path,
                        reason: "starts at sequence \(segment.firstSequence) but \(previous.path) already holds up to \(previous.lastSequence)")
                }
                segments.append(segment)
            }
        }
        // Non-active segments left empty by repairs tell nothing: remove them.
        while let index = segments.indices.dropLast().first(where: { segments[$0].frames.isEmpty }) {
            try FrameSpoolIO.removeFile(segments[index].path)
            recoveryNotes.append("removed empty segment \(segments[index].path)")
            segments.remove(at: index)
        }

        for segment in segments {
            diskBytes += segment.fileBytes
            for frame in segment.frames {
                unackedFrames += 1
                unackedBytes += frame.size
            }
        }
        if let active = segments.last {
            lastSequence = active.lastSequence
            acknowledgedThrough = segments[0].firstSequence - 1
            try openWriter()
        }
        if numberingFloor > lastSequence {
            try startSegment(firstSequence: numberingFloor + 1)
            lastSequence = numberingFloor
        }
        if let loss = try enforceBudget() {
            discovered.append(loss)
            recoveryNotes.append(
                "spool over its \(maxBytes)-byte budget at open: dropped sequences \(loss.firstSequence)...\(loss.lastSequence) (\(loss.lostRecords) records)")
        }
    }

    // MARK: UnackedFrameStore

    public func append(_ frame: WireFrame) throws -> LossReport? {
        let header = frame.header
        guard header.type == .batch else { throw FrameSpoolError.notABatch(type: header.type.rawValue) }
        guard header.sequence == lastSequence + 1 else {
            throw FrameSpoolError.sequenceNotNext(expected: lastSequence + 1, got: header.sequence)
        }
        if let active = segments.last, active.frames.isEmpty || active.fileBytes + header.frameSize <= segmentBytes {
            if writer == nil { try openWriter() }
        } else {
            try startSegment(firstSequence: header.sequence)
        }
        let index = segments.count - 1
        let offset = segments[index].fileBytes
        do {
            // No local reference to the writer: on failure it must be released (its deinit
            // flushes what is still buffered) before the file is cut back.
            try writer!.append(frame)
            try writer!.flush()
        } catch {
            // Leave the segment exactly as before this append, so the same sequence can be
            // retried: drop the writer (its buffer with it), then cut what reached the file.
            writer = nil
            let path = segments[index].path
            try? FrameSpoolIO.truncateFile(path, to: offset)
            throw FrameSpoolError.ioFailed(path: path, reason: "\(error)")
        }
        let size = writer!.size
        segments[index].frames.append(
            FrameEntry(sequence: header.sequence, offset: offset, size: header.frameSize, count: header.count))
        diskBytes += size - segments[index].fileBytes
        segments[index].fileBytes = size
        unackedFrames += 1
        unackedBytes += header.frameSize
        lastSequence = header.sequence
        cacheAppend(frame)
        return try enforceBudget()
    }

    public func frames(after sequence: UInt64, limit: Int) throws -> [WireFrame] {
        guard limit > 0 else { return [] }
        let start = max(sequence, acknowledgedThrough) + 1
        guard start <= lastSequence else { return [] }
        var result: [WireFrame] = []
        let cacheFirst = cacheHead < cache.count ? cache[cacheHead].header.sequence : lastSequence + 1

        if start < cacheFirst {
            segmentLoop: for segmentIndex in segments.indices where segments[segmentIndex].lastSequence >= start {
                let path = segments[segmentIndex].path
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    throw FrameSpoolError.ioFailed(path: path, reason: "cannot open: \(FrameSpoolIO.lastError())")
                }
                defer { close(fd) }
                for frameIndex in segments[segmentIndex].frames.indices {
                    let entry = segments[segmentIndex].frames[frameIndex]
                    guard entry.sequence >= start, !entry.lost else { continue }
                    if entry.sequence >= cacheFirst || result.count >= limit { break segmentLoop }
                    switch try FrameSpoolIO.readFrame(fd: fd, path: path, offset: entry.offset, size: entry.size) {
                    case .success(let frame) where frame.header.sequence == entry.sequence:
                        result.append(frame)
                    case .success(let frame):
                        markLost(segmentIndex, frameIndex, path: path, why: "holds sequence \(frame.header.sequence)")
                    case .failure(let error):
                        markLost(segmentIndex, frameIndex, path: path, why: "\(error)")
                    }
                }
            }
        }
        if result.count < limit {
            var index = cacheIndex(firstAtLeast: start)
            while index < cache.count, result.count < limit {
                result.append(cache[index])
                index += 1
            }
        }
        return result
    }

    public func acknowledge(through sequence: UInt64) throws {
        let through = min(sequence, lastSequence)
        guard through > acknowledgedThrough else { return }
        for segment in segments where segment.lastSequence > acknowledgedThrough {
            if segment.firstSequence > through { break }
            for frame in segment.frames where frame.sequence > acknowledgedThrough && frame.sequence <= through && !frame.lost {
                unackedFrames -= 1
                unackedBytes -= frame.size
            }
        }
        acknowledgedThrough = through
        while segments.count > 1, segments[0].frames.allSatisfy({ $0.sequence <= through || $0.lost }) {
            try deleteOldestSegment()
        }
        while cacheHead < cache.count, cache[cacheHead].header.sequence <= through { cacheDropFirst() }
    }

    public func takeDiscoveredLosses() -> [LossReport] {
        defer { discovered.removeAll() }
        return discovered
    }

    public func resumeNumbering(after sequence: UInt64) throws {
        guard sequence > lastSequence else { return }
        // The aggregator has applied everything held here.
        try acknowledge(through: lastSequence)
        // An empty segment named sequence + 1 records the new numbering on disk; it is made
        // before the old active segment is deleted, so a crash in between loses nothing.
        try startSegment(firstSequence: sequence + 1)
        lastSequence = sequence
        acknowledgedThrough = sequence
        cache.removeAll()
        cacheHead = 0
        cachedBytes = 0
    }

    /// Flushes and fsyncs the active segment (for an orderly shutdown; appends only flush).
    public func sync() throws {
        do { try writer?.sync() } catch {
            throw FrameSpoolError.ioFailed(path: segments.last?.path ?? directory, reason: "\(error)")
        }
    }

    // MARK: Segments

    static func segmentName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".tpio"
    }

    /// The first sequence a segment file name encodes; nil for names that are not segments.
    /// A name with the segment prefix and suffix but no 20-digit sequence is refused.
    static func segmentSequence(name: String, directory: String) throws(FrameSpoolError) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".tpio") else { return nil }
        let digits = name.utf8.dropFirst("segment-".utf8.count).dropLast(".tpio".utf8.count)
        guard digits.count == 20, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let sequence = UInt64(String(decoding: digits, as: UTF8.self)), sequence > 0
        else {
            throw .notASegment(path: directory + "/" + name, reason: "the name does not hold a 20-digit first sequence")
        }
        return sequence
    }

    /// Reads one segment file, checks its frames, and cuts a damaged tail (counted as loss).
    /// Returns nil when the file was removed.
    private func scanSegment(path: String, firstSequence: UInt64, nextSegmentFirst: UInt64?) throws(FrameSpoolError) -> Segment? {
        guard FrameSpoolIO.isRegularFile(path) else {
            throw .notASegment(path: path, reason: "not a regular file")
        }
        let size = try FrameSpoolIO.fileSize(path)
        if size < DumpFileHeader.size {
            // Created but the header never fully written (crash right at rotation).
            var header = ByteBuffer()
            DumpFileHeader().write(to: &header)
            let bytes = try FrameSpoolIO.readBytes(path, offset: 0, count: size)
            guard bytes == Array(header.readableBytesView.prefix(size)) else {
                throw .notASegment(path: path, reason: "\(size) bytes that do not start a dump header")
            }
            if size > 0 {
                try FrameSpoolIO.truncateFile(path, to: 0)
                recoveryNotes.append("cut the torn \(size)-byte header of \(path)")
            }
            return Segment(firstSequence: firstSequence, path: path, fileBytes: 0, frames: [])
        }

        let reader: DumpReader
        do {
            reader = try DumpReader(path: path)
        } catch let error as WireError {
            throw .notASegment(path: path, reason: error.description)
        } catch {
            throw .ioFailed(path: path, reason: "\(error)")
        }
        var segment = Segment(firstSequence: firstSequence, path: path, fileBytes: size, frames: [])
        var offset = reader.validLength
        while let frame = reader.next() {
            let expected = segment.lastSequence + 1
            guard frame.header.type == .batch else {
                throw .inconsistentSegments(path: path, reason: "frame at byte \(offset) is message type \(frame.header.type.rawValue), not BATCH")
            }
            guard frame.header.sequence == expected else {
                throw .inconsistentSegments(path: path, reason: "frame at byte \(offset) has sequence \(frame.header.sequence), expected \(expected)")
            }
            segment.frames.append(
                FrameEntry(sequence: expected, offset: offset, size: frame.header.frameSize, count: frame.header.count))
            offset = reader.validLength
        }
        guard let failure = reader.failure else { return segment }

        // Damaged tail: a crash mid-append (torn frame) or corruption. What the damaged part
        // held is read from its frame headers (CRCs aside) as far as they stay plausible.
        let expected = segment.lastSequence + 1
        let cutBytes = size - reader.validLength
        let damaged = try FrameSpoolIO.readBytes(path, offset: reader.validLength, count: cutBytes)
        let claimed = Self.walkHeaders(damaged, firstSequence: expected, before: nextSegmentFirst)
        var first: UInt64 = 0
        var last: UInt64 = 0
        if let nextSegmentFirst {
            // An older segment: the sequences up to the next segment are gone for good.
            if nextSegmentFirst > expected { (first, last) = (expected, nextSegmentFirst - 1) }
        } else if case .truncatedDump = failure.reason {
            // The active segment ends inside a frame: that append never returned, so the frame
            // was never sent, and the next append reuses its sequence.
        } else if let claimedLast = claimed.lastSequence {
            // Corruption in the active segment: frames after it may have been sent (and
            // applied), so their sequences are not reused: numbering continues after them.
            (first, last) = (expected, claimedLast)
            numberingFloor = claimedLast
        }
        try FrameSpoolIO.truncateFile(path, to: reader.validLength)
        segment.fileBytes = reader.validLength
        discovered.append(
            LossReport(source: .spool, lostRecords: claimed.records, lostBytes: UInt64(cutBytes), firstSequence: first, lastSequence: last))
        recoveryNotes.append(
            "cut \(cutBytes) damaged bytes from \(path) (\(failure)); counted as loss of \(claimed.records) records"
                + (first == 0 ? "" : ", sequences \(first)...\(last)"))
        return segment
    }

    /// Follows the frame headers in `bytes` while they are plausible (magic, BATCH, the next
    /// sequence, a sane length): the records and last sequence the damaged region claims.
    static func walkHeaders(_ bytes: [UInt8], firstSequence: UInt64, before limit: UInt64?) -> (records: UInt64, lastSequence: UInt64?) {
        let buffer = ByteBuffer(bytes: bytes)
        var offset = 0
        var sequence = firstSequence
        var records: UInt64 = 0
        var last: UInt64?
        while offset + FrameHeader.size <= bytes.count, limit.map({ sequence < $0 }) ?? true,
            buffer.getInteger(at: offset, as: UInt32.self) == FrameHeader.magic,
            let header = FrameHeader.peek(buffer.getSlice(at: offset, length: FrameHeader.size)!),
            header.type == .batch, header.sequence == sequence,
            header.length >= UInt32(FrameHeader.lengthCoveredHeaderSize), header.length <= WireLimits.default.maxFrameLength
        {
            records += UInt64(header.count)
            last = sequence
            sequence += 1
            offset += header.frameSize
        }
        return (records, last)
    }

    private func openWriter() throws(FrameSpoolError) {
        guard let index = segments.indices.last else { return }
        let path = segments[index].path
        do {
            let opened = try DumpWriter(path: path)
            if let repaired = opened.repairedTail {
                // Only after a failed append whose cut did not happen: nothing indexed is lost.
                recoveryNotes.append("cut unindexed bytes from \(path): \(repaired)")
            }
            diskBytes += opened.size - segments[index].fileBytes
            segments[index].fileBytes = opened.size
            writer = opened
        } catch {
            throw .ioFailed(path: path, reason: "\(error)")
        }
    }

    /// Makes a new, empty active segment; deletes the previous one when nothing in it is
    /// still needed.
    private func startSegment(firstSequence: UInt64) throws(FrameSpoolError) {
        let path = directory + "/" + Self.segmentName(firstSequence: firstSequence)
        let opened: DumpWriter
        do {
            opened = try DumpWriter(path: path)
        } catch {
            throw .ioFailed(path: path, reason: "\(error)")
        }
        writer = opened
        segments.append(Segment(firstSequence: firstSequence, path: path, fileBytes: opened.size, frames: []))
        diskBytes += opened.size
        let previous = segments.count - 2
        if previous >= 0, segments[previous].frames.allSatisfy({ $0.sequence <= acknowledgedThrough || $0.lost }) {
            try FrameSpoolIO.removeFile(segments[previous].path)
            diskBytes -= segments[previous].fileBytes
            segments.remove(at: previous)
        }
    }

    /// Deletes the oldest segments while the files exceed the budget; reports the
    /// unacknowledged frames they held.
    private func enforceBudget() throws(FrameSpoolError) -> LossReport? {
        var loss: LossReport?
        while diskBytes > maxBytes, segments.count > 1 {
            for frame in segments[0].frames where frame.sequence > acknowledgedThrough && !frame.lost {
                if loss == nil { loss = LossReport(source: .spool, lostRecords: 0, firstSequence: frame.sequence) }
                loss!.lostRecords += UInt64(frame.count)
                loss!.lostBytes += UInt64(frame.size)
                loss!.lastSequence = frame.sequence
            }
            try deleteOldestSegment()
        }
        return loss
    }

    /// Removes segment 0 with its accounting (unacknowledged frames in it leave the counts).
    private func deleteOldestSegment() throws(FrameSpoolError) {
        let segment = segments[0]
        try FrameSpoolIO.removeFile(segment.path)
        segments.removeFirst()
        diskBytes -= segment.fileBytes
        for frame in segment.frames where frame.sequence > acknowledgedThrough && !frame.lost {
            unackedFrames -= 1
            unackedBytes -= frame.size
        }
        // Frames before the oldest segment are gone: nothing to resend from there.
        acknowledgedThrough = max(acknowledgedThrough, segment.lastSequence)
        while cacheHead < cache.count, cache[cacheHead].header.sequence <= segment.lastSequence { cacheDropFirst() }
    }

    private func markLost(_ segmentIndex: Int, _ frameIndex: Int, path: String, why: String) {
        let entry = segments[segmentIndex].frames[frameIndex]
        segments[segmentIndex].frames[frameIndex].lost = true
        unackedFrames -= 1
        unackedBytes -= entry.size
        discovered.append(
            LossReport(
                source: .spool, lostRecords: UInt64(entry.count), lostBytes: UInt64(entry.size),
                firstSequence: entry.sequence, lastSequence: entry.sequence))
        recoveryNotes.append("frame \(entry.sequence) at byte \(entry.offset) of \(path) is unreadable (\(why)); counted as loss")
    }

    // MARK: Cache

    private func cacheAppend(_ frame: WireFrame) {
        guard cacheBudget > 0 else { return }
        cache.append(frame)
        cachedBytes += frame.header.frameSize
        while cachedBytes > cacheBudget, cacheHead < cache.count { cacheDropFirst() }
    }

    private func cacheDropFirst() {
        cachedBytes -= cache[cacheHead].header.frameSize
        cacheHead += 1
        if cacheHead == cache.count {
            cache.removeAll(keepingCapacity: true)
            cacheHead = 0
        } else if cacheHead >= 64, cacheHead * 2 >= cache.count {
            cache.removeFirst(cacheHead)
            cacheHead = 0
        }
    }

    /// Index of the first cached frame with sequence ≥ `sequence` (cache.count if none).
    private func cacheIndex(firstAtLeast sequence: UInt64) -> Int {
        var low = cacheHead
        var high = cache.count
        while low < high {
            let mid = (low + high) / 2
            if cache[mid].header.sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
