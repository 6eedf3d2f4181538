#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import TapioWire

extension Journal {
    struct ReplayedSegment {
        var segment: JournalSegment
        var frames: UInt64
        /// Bytes of the file that hold valid frames (after any repair).
        var bytes: Int
    }

    /// Reads every segment of `directory` in order and hands each BATCH, with its stream, to
    /// `body`, rebuilding the ledger from checkpoints and frames. A BATCH already applied is
    /// skipped (and counted). Damage never stops the replay: a damaged frame is skipped to the
    /// next frame that validates (CRC-32C), in any segment, and the BATCHes that follow it
    /// before the next stream marker are skipped too (the damage may have held the marker that
    /// says whose they are); a torn tail of the last segment (a crash mid-write: no valid frame
    /// after it) is cut off the file when `repair` is set. All of it is reported in `issues`. Throws only for I/O failures, a file that is not a
    /// segment, or an error thrown by `body`.
    public static func replay(
        directory: String, limits: WireLimits = .default, repair: Bool = true,
        _ body: (StreamKey, WireFrame) throws -> Void
    ) throws -> JournalReplaySummary {
        try replayDetailed(directory: directory, limits: limits, repair: repair, body).summary
    }

    /// The segments in `directory`, oldest first. Throws `foreignFile` for anything else.
    public static func listSegments(directory: String) throws(JournalError) -> [JournalSegment] {
        guard let dir = opendir(directory) else {
            throw .directoryUnusable(path: directory, reason: "cannot list it: \(JournalError.errnoText())")
        }
        defer { closedir(dir) }
        var segments: [JournalSegment] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." || name == "lost+found" { continue }
            guard let first = JournalSegment.firstIndex(fileName: name) else {
                throw .foreignFile(path: directory + "/" + name)
            }
            segments.append(JournalSegment(firstIndex: first, directory: directory))
        }
        return segments.sorted()
    }

    static func replayDetailed(
        directory: String, limits: WireLimits, repair: Bool, _ body: (StreamKey, WireFrame) throws -> Void
    ) throws -> (summary: JournalReplaySummary, segments: [ReplayedSegment]) {
        var summary = JournalReplaySummary()
        var replayed: [ReplayedSegment] = []
        let segments = try listSegments(directory: directory)
        for (position, segment) in segments.enumerated() {
            let isLast = position == segments.count - 1
            summary.segments.append(segment)
            var info = stat()
            guard stat(segment.path, &info) == 0 else {
                throw JournalError.readFailed(path: segment.path, reason: JournalError.errnoText())
            }
            let fileSize = Int(info.st_size)

            var sizeAfter = fileSize
            // Records damage at `offset`; cuts the file there when it is the last segment's tail.
            func damaged(at offset: Int, _ reason: String, cuttable: Bool) throws {
                let cut = isLast && repair && cuttable
                if cut {
                    guard truncate(segment.path, off_t(offset)) == 0 else {
                        throw JournalError.writeFailed(path: segment.path, reason: "cannot cut torn tail: \(JournalError.errnoText())")
                    }
                    sizeAfter = offset
                }
                summary.issues.append(JournalReplayIssue(
                    segment: segment.path, offset: offset, bytesDropped: fileSize - offset, reason: reason, tailCut: cut))
            }
            // Ends a run of BATCHes read after damage and before a marker, reporting them.
            func closeDamageRun(_ damage: inout (offset: Int, orphans: Int)?) {
                if let run = damage, run.orphans > 0 {
                    summary.issues.append(JournalReplayIssue(
                        segment: segment.path, offset: run.offset, bytesDropped: 0,
                        reason: "\(run.orphans) BATCH frame(s) after the damage at byte \(run.offset) were skipped: their stream marker was lost", tailCut: false))
                }
                damage = nil
            }
            // The index after this segment; a segment that holds bytes but no usable frame
            // still claims its own name.
            func finish(frames: UInt64) {
                replayed.append(ReplayedSegment(segment: segment, frames: frames, bytes: sizeAfter))
                let claimed = frames == 0 && sizeAfter > DumpFileHeader.size ? 1 : frames
                summary.nextIndex = max(summary.nextIndex, segment.firstIndex + claimed)
            }

            let reader: DumpReader
            do {
                reader = try DumpReader(path: segment.path, limits: limits)
            } catch let error as DumpReader.OpenError {
                throw JournalError.readFailed(path: segment.path, reason: error.description)
            } catch {
                // Not even a whole dump header: a crash right after creating the file when it
                // is the last segment (cut to nothing), otherwise a damaged or foreign file.
                let reason = (error as? WireError)?.description ?? String(describing: error)
                try damaged(at: 0, reason, cuttable: fileSize < DumpFileHeader.size)
                finish(frames: 0)
                continue
            }

            var current: StreamKey?
            var frames: UInt64 = 0
            var stoppedAt: (offset: Int, reason: String)?
            /// Damage was skipped and no stream marker has been read since: BATCHes are orphans.
            var afterDamage: (offset: Int, orphans: Int)?
            while true {
                guard let frame = reader.next() else {
                    guard let failure = reader.failure, let resumed = reader.resynchronize() else { break }
                    summary.issues.append(JournalReplayIssue(
                        segment: segment.path, offset: failure.offset, bytesDropped: resumed - failure.offset,
                        reason: "\(failure.reason.description); skipped to the next valid frame at byte \(resumed)", tailCut: false))
                    closeDamageRun(&afterDamage)
                    afterDamage = (failure.offset, 0)
                    current = nil
                    continue
                }
                let offset = reader.validLength - frame.header.frameSize
                switch frame.header.type {
                case .auth:
                    guard case .auth(let auth)? = try? Message(frame: frame) else {
                        stoppedAt = (offset, "AUTH marker does not decode")
                        break
                    }
                    current = StreamKey(node: auth.nodeName, epoch: auth.streamEpoch)
                    closeDamageRun(&afterDamage)
                case .ack:
                    guard let current else {
                        if afterDamage != nil { break }  // a checkpoint of an unknown stream
                        stoppedAt = (offset, "checkpoint ACK without a stream marker before it")
                        break
                    }
                    summary.ledger.restore(current, lastApplied: frame.header.sequence)
                case .batch:
                    guard let current else {
                        if afterDamage != nil {
                            afterDamage?.orphans += 1
                            break
                        }
                        stoppedAt = (offset, "BATCH without a stream marker before it")
                        break
                    }
                    guard frame.header.sequence > 0 else {
                        stoppedAt = (offset, "BATCH with sequence 0")
                        break
                    }
                    switch summary.ledger.admit(current, sequence: frame.header.sequence) {
                    case .duplicate:
                        summary.duplicates += 1
                    case .apply:
                        summary.ledger.recordApplied(current, header: frame.header, losses: StreamLedger.lossReports(in: frame))
                        summary.batches += 1
                        summary.records += UInt64(frame.header.count)
                        try body(current, frame)
                    }
                default:
                    stoppedAt = (offset, "unexpected \(frame.header.type) frame in a journal")
                }
                if stoppedAt != nil { break }
                frames += 1
            }
            summary.frames += frames
            closeDamageRun(&afterDamage)
            if let stoppedAt {
                try damaged(at: stoppedAt.offset, stoppedAt.reason, cuttable: false)
            } else if let failure = reader.failure {
                try damaged(at: failure.offset, failure.reason.description, cuttable: true)
            }
            finish(frames: frames)
        }
        return (summary, replayed)
    }
}
