import NIOCore
import TapioWire

/// Per-stream sequence tracking: the dedup state that makes delivery exactly-once into the
/// aggregator's state, plus what each stream delivered. A pure value; its owner (the journal)
/// serialises access.
///
/// Protocol: `admit` decides whether a BATCH is new; if it is, the caller makes it durable
/// (journal) and applies it, then calls `recordApplied`. A sequence more than one past the
/// last applied is accepted (the exporter's spool may have dropped frames, and said so in a
/// loss report) and the hole is counted.
public struct StreamLedger: Sendable, Equatable {
    public enum Admission: Sendable, Equatable {
        /// New: apply it. `missing` is how many sequences it skips (0 when contiguous).
        case apply(missing: UInt64)
        /// Already applied (at or below `lastApplied`): drop it, acknowledge `lastApplied`.
        case duplicate(lastApplied: UInt64)
    }

    public private(set) var streams: [StreamKey: StreamStats] = [:]

    public init() {}

    /// The highest sequence applied for `key`, 0 when the stream is unknown.
    public func lastApplied(_ key: StreamKey) -> UInt64 { streams[key]?.lastApplied ?? 0 }

    public func stats(_ key: StreamKey) -> StreamStats? { streams[key] }

    /// Decides whether BATCH `sequence` of `key` is new. Counts a duplicate when it is not;
    /// changes nothing else (a frame admitted but never recorded leaves no trace).
    public mutating func admit(_ key: StreamKey, sequence: UInt64) -> Admission {
        let last = lastApplied(key)
        if sequence <= last {
            streams[key, default: StreamStats()].duplicatesDropped &+= 1
            return .duplicate(lastApplied: last)
        }
        return .apply(missing: sequence - last - 1)
    }

    /// Records an admitted BATCH as applied, with the loss reports of its decoded batch.
    public mutating func recordApplied(_ key: StreamKey, header: FrameHeader, batch: RecordBatch) {
        recordApplied(key, header: header, losses: batch.records.lazy.compactMap {
            if case .lossReport(let report) = $0.body { return report } else { return nil }
        })
    }

    /// Records an admitted BATCH as applied, given the loss reports it carried.
    public mutating func recordApplied(_ key: StreamKey, header: FrameHeader, losses: some Sequence<LossReport>) {
        var stats = streams[key] ?? StreamStats()
        let sequence = header.sequence
        precondition(sequence > stats.lastApplied, "recordApplied(\(key), \(sequence)) without admission: last applied is \(stats.lastApplied)")
        if sequence > stats.lastApplied + 1 {
            stats.gaps &+= 1
            stats.missingSequences &+= sequence - stats.lastApplied - 1
        }
        stats.lastApplied = sequence
        stats.framesApplied &+= 1
        stats.recordsApplied &+= UInt64(header.count)
        stats.bytesApplied &+= UInt64(header.frameSize)
        for loss in losses {
            stats.lossReports &+= 1
            stats.lostRecords[loss.source, default: 0] &+= loss.lostRecords
            stats.lostBytes[loss.source, default: 0] &+= loss.lostBytes
        }
        streams[key] = stats
    }

    /// Raises `key`'s last applied sequence to at least `sequence` without counting a frame:
    /// how a journal checkpoint restores dedup state whose frames were trimmed.
    public mutating func restore(_ key: StreamKey, lastApplied sequence: UInt64) {
        var stats = streams[key] ?? StreamStats()
        stats.lastApplied = max(stats.lastApplied, sequence)
        streams[key] = stats
    }

    /// The loss reports in a BATCH frame's payload, found by walking the record envelopes and
    /// decoding only loss-report bodies. Empty when the payload cannot be decoded.
    public static func lossReports(in frame: WireFrame) -> [LossReport] {
        guard let payload = try? frame.decodedPayload() else { return [] }
        var buffer = payload
        var reports: [LossReport] = []
        while buffer.readableBytes >= Record.envelopeSize {
            let start = buffer.readerIndex
            guard let kind = buffer.getInteger(at: start, as: UInt8.self),
                let bodyLength = buffer.getInteger(at: start + 2, as: UInt16.self),
                buffer.readableBytes >= Record.envelopeSize + Int(bodyLength)
            else { break }
            if kind == RecordKind.lossReport.rawValue, Int(bodyLength) >= LossReport.minimumBodyLength,
                let body = buffer.getSlice(at: start + Record.envelopeSize, length: Int(bodyLength)),
                let report = body.withUnsafeReadableBytes({ bytes in
                    var fields = FieldReader(bytes: bytes)
                    return try? LossReport(decoding: &fields)
                })
            {
                reports.append(report)
            }
            buffer.moveReaderIndex(forwardBy: Record.envelopeSize + Int(bodyLength))
        }
        return reports
    }
}
