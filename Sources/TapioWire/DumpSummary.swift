/// Totals over a dump: what `tapio dump` prints. Built frame by frame so a dump of any size
/// is summarised in constant memory.
public struct DumpSummary: Codable, Equatable, Sendable {
    public var frames = 0
    public var framesByType: [String: Int] = [:]
    public var records = 0
    public var recordsByKind: [String: Int] = [:]
    public var skippedUnknownRecords = 0
    public var wireBytes = 0
    public var payloadBytes = 0
    public var firstTimestampNs: UInt64?
    public var lastTimestampNs: UInt64?
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    public var cgroups: Int { cgroupIds.count }
    private var cgroupIds: Set<UInt64> = []

    private enum CodingKeys: String, CodingKey {
        case frames, framesByType, records, recordsByKind, skippedUnknownRecords, wireBytes, payloadBytes
        case firstTimestampNs, lastTimestampNs, firstSequence, lastSequence, cgroupIds
    }

    public init() {}

    /// Compression ratio of the payloads (raw / on the wire), 1 when nothing was compressed.
    public var compressionRatio: Double { wireBytes == 0 ? 1 : Double(payloadBytes) / Double(wireBytes) }

    public mutating func add(frame: WireFrame, message: Message) {
        frames += 1
        framesByType[frame.header.type.name, default: 0] += 1
        wireBytes += frame.header.payloadLength
        payloadBytes += Int(frame.header.rawLength)
        guard case .batch(let sequence, let batch) = message else { return }
        firstSequence = Swift.min(firstSequence ?? sequence, sequence)
        lastSequence = Swift.max(lastSequence ?? sequence, sequence)
        records += batch.records.count
        skippedUnknownRecords += batch.skippedUnknown
        for record in batch.records {
            recordsByKind[record.kind.description, default: 0] += 1
            firstTimestampNs = Swift.min(firstTimestampNs ?? record.timestampNs, record.timestampNs)
            lastTimestampNs = Swift.max(lastTimestampNs ?? record.timestampNs, record.timestampNs)
            if let cgroup = record.cgroupId { cgroupIds.insert(cgroup) }
        }
    }
}

extension Record {
    /// The memory cgroup the record is about, for the kinds that name one.
    public var cgroupId: UInt64? {
        switch body {
        case .memorySample(let b): b.cgroupId
        case .processRSS(let b): b.cgroupId
        case .oomKill(let b): b.cgroupId
        case .processStart(let b): b.cgroupId
        case .processExit(let b): b.cgroupId
        case .containerInfo(let b): b.cgroupId
        case .pageActivity(let b): b.cgroupId
        case .nodeSample, .lossReport: nil
        }
    }
}
