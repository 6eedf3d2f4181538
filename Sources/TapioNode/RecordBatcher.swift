import NIOCore
import TapioWire

/// Collects records into BATCH frames. Pure: no I/O and no clock of its own; the caller passes
/// the time (`nowNs`, UNIX epoch nanoseconds, the clock record timestamps use) and the
/// sequence of each frame.
///
/// A batch is due when the pending records reach `maxRecords`, their encoded size reaches
/// `maxBytes`, or the oldest of them has waited `lingerNs` since it was added (arrival time,
/// not its timestamp, so late or back-dated records do not force tiny batches). The caller
/// then calls `makeFrame(sequence:)` while `isDue` says so, or at any time to flush.
///
/// Records are encoded once, when added; `makeFrame` produces exactly the bytes
/// `Message.batch(sequence:, RecordBatch(records:)).frame(compress: true)` would.
///
/// Loss reports given to `reportLoss` go first into the next frame (so loss is reported
/// in-band, never silently) and count as pending records for the triggers.
public struct RecordBatcher: Sendable {
    public static let defaultMaxRecords = 2_000
    public static let defaultMaxBytes = 512 << 10
    public static let defaultLingerNs: UInt64 = 1_000_000_000

    public let maxRecords: Int
    /// Raw (uncompressed) payload bytes per frame, clamped to what the wire limits allow.
    public let maxBytes: Int
    public let lingerNs: UInt64
    /// Largest raw payload a frame may carry under the wire limits.
    private let wireCap: Int

    /// Encoded records waiting, back to back.
    private var pending = ByteBuffer()
    /// Encoded length and arrival time of each pending record, from index `head`.
    private var lengths: [Int] = []
    private var arrivals: [UInt64] = []
    private var head = 0
    /// Loss reports waiting for the next frame, with their arrival times.
    private var losses: [(report: LossReport, arrivalNs: UInt64)] = []

    /// - Parameters:
    ///   - maxRecords: records per frame (loss reports included).
    ///   - maxBytes: raw payload bytes per frame. Whatever is given, a frame's raw payload is
    ///     kept within the wire limits (`maxFrameLength - 24`, since LZ4 may not shrink it,
    ///     and `maxRawLength`), so no frame is ever refused for its size.
    ///   - lingerNs: how long the oldest pending record may wait.
    ///   - limits: the wire limits the receiver enforces.
    public init(
        maxRecords: Int = RecordBatcher.defaultMaxRecords, maxBytes: Int = RecordBatcher.defaultMaxBytes,
        lingerNs: UInt64 = RecordBatcher.defaultLingerNs, limits: WireLimits = .default
    ) {
        precondition(maxRecords > 0, "RecordBatcher needs maxRecords > 0")
        precondition(maxBytes > 0, "RecordBatcher needs maxBytes > 0")
        let wireCap = min(Int(limits.maxFrameLength) - FrameHeader.lengthCoveredHeaderSize, Int(limits.maxRawLength))
        precondition(wireCap >= Self.lossRecordSize, "wire limits too small for a loss report")
        self.maxRecords = min(maxRecords, Int(UInt32.max))
        self.maxBytes = min(maxBytes, wireCap)
        self.wireCap = wireCap
        self.lingerNs = lingerNs
    }

    /// Records waiting, loss reports included.
    public var pendingRecords: Int { lengths.count - head + losses.count }
    /// Encoded bytes waiting, loss reports included.
    public var pendingBytes: Int { pending.readableBytes + losses.count * Self.lossRecordSize }
    public var isEmpty: Bool { pendingRecords == 0 }

    /// Adds a record that arrived at `nowNs`. A record that could not fit in any frame under
    /// the wire limits (only possible with limits below 64 KiB) is dropped and reported as
    /// a loss (source `.other`).
    public mutating func add(_ record: Record, nowNs: UInt64) {
        let before = pending.writerIndex
        record.encode(into: &pending)
        let length = pending.writerIndex - before
        guard length <= wireCap else {
            pending.moveWriterIndex(to: before)
            reportLoss(LossReport(source: .other, lostRecords: 1, lostBytes: UInt64(length)), nowNs: nowNs)
            return
        }
        lengths.append(length)
        arrivals.append(nowNs)
    }

    public mutating func add(contentsOf records: some Sequence<Record>, nowNs: UInt64) {
        for record in records { add(record, nowNs: nowNs) }
    }

    /// Queues a loss report for the front of the next frame. Consecutive reports from the same
    /// source merge when their sequence ranges join (or neither has one).
    public mutating func reportLoss(_ report: LossReport, nowNs: UInt64) {
        if let last = losses.last?.report, last.source == report.source {
            let bothWithout = last.firstSequence == 0 && last.lastSequence == 0
                && report.firstSequence == 0 && report.lastSequence == 0
            let joins = last.lastSequence != 0 && report.firstSequence == last.lastSequence + 1
            if bothWithout || joins {
                var merged = last
                merged.lostRecords += report.lostRecords
                merged.lostBytes += report.lostBytes
                if joins { merged.lastSequence = report.lastSequence }
                losses[losses.count - 1].report = merged
                return
            }
        }
        losses.append((report, nowNs))
    }

    /// Arrival time of the oldest pending record or loss report.
    public var oldestArrivalNs: UInt64? {
        let record = head < arrivals.count ? arrivals[head] : nil
        let loss = losses.map(\.arrivalNs).min()
        switch (record, loss) {
        case (let r?, let l?): return min(r, l)
        case (let r?, nil): return r
        case (nil, let l?): return l
        case (nil, nil): return nil
        }
    }

    /// When the linger of the oldest pending record runs out (for the caller's timer); nil
    /// when nothing is pending.
    public var lingerDeadlineNs: UInt64? {
        oldestArrivalNs.map { $0 &+ lingerNs < $0 ? UInt64.max : $0 + lingerNs }
    }

    /// Whether a frame should be made now.
    public func isDue(nowNs: UInt64) -> Bool {
        guard !isEmpty else { return false }
        if pendingRecords >= maxRecords || pendingBytes >= maxBytes { return true }
        guard let deadline = lingerDeadlineNs else { return false }
        return nowNs >= deadline
    }

    /// Takes up to one frame's worth (maxRecords, maxBytes; always at least one record) from
    /// the front, loss reports first, and returns it as a compressed BATCH frame numbered
    /// `sequence`. Nil when nothing is pending.
    public mutating func makeFrame(sequence: UInt64) -> WireFrame? {
        precondition(sequence > 0, "BATCH sequences start at 1")
        guard !isEmpty else { return nil }
        var payload = ByteBuffer()
        payload.reserveCapacity(min(pendingBytes, maxBytes))
        var count = 0

        var takenLosses = 0
        for (report, arrival) in losses {
            guard count < maxRecords, count == 0 || payload.readableBytes + Self.lossRecordSize <= maxBytes else { break }
            Record(timestampNs: arrival, body: .lossReport(report)).encode(into: &payload)
            count += 1
            takenLosses += 1
        }
        losses.removeFirst(takenLosses)

        var takenBytes = 0
        var index = head
        while index < lengths.count, count < maxRecords,
            count == 0 || payload.readableBytes + takenBytes + lengths[index] <= maxBytes
        {
            takenBytes += lengths[index]
            count += 1
            index += 1
        }
        if takenBytes > 0 {
            var slice = pending.readSlice(length: takenBytes)!
            payload.writeBuffer(&slice)
        }
        head = index
        compact()

        return WireFrame(type: .batch, sequence: sequence, count: UInt32(count), rawPayload: payload, compress: true)
    }

    /// Encoded size of a loss-report record: envelope plus its fixed body.
    static let lossRecordSize = Record.envelopeSize + LossReport.minimumBodyLength

    private mutating func compact() {
        if head == lengths.count {
            lengths.removeAll(keepingCapacity: true)
            arrivals.removeAll(keepingCapacity: true)
            head = 0
            pending.clear()
        } else if head >= 1_024, head * 2 >= lengths.count {
            lengths.removeFirst(head)
            arrivals.removeFirst(head)
            head = 0
            pending.discardReadBytes()
        }
    }
}
