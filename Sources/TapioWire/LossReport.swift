import NIOCore

/// Data that had to be dropped, where and how much (kind 9). Loss is never silent: every hop
/// that drops counts and reports it in-band.
public struct LossReport: RecordBody {
    public static let kind = RecordKind.lossReport
    public static let minimumBodyLength = 40

    public enum Source: UInt8, Sendable, Codable {
        case other = 0
        /// The kernel could not reserve ring-buffer space.
        case ringBuffer = 1
        /// The user-space reader's queue overflowed.
        case readerQueue = 2
        /// The exporter's disk spool was full and dropped its oldest frames.
        case spool = 3
        /// The exporter's in-memory send window overflowed.
        case sendWindow = 4
        /// A cgroup or node sample could not be read.
        case sampler = 5
    }

    public var source: Source
    public var lostRecords: UInt64
    public var lostBytes: UInt64
    /// For spool drops: the batch sequences dropped (0 when not applicable).
    public var firstSequence: UInt64
    public var lastSequence: UInt64

    public init(source: Source, lostRecords: UInt64, lostBytes: UInt64 = 0, firstSequence: UInt64 = 0, lastSequence: UInt64 = 0) {
        self.source = source
        self.lostRecords = lostRecords
        self.lostBytes = lostBytes
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
    }

    public func encode(into fields: inout FieldWriter) {
        fields.put(source.rawValue)
        fields.putZeros(7)
        fields.put(lostRecords)
        fields.put(lostBytes)
        fields.put(firstSequence)
        fields.put(lastSequence)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        source = Source(rawValue: body.u8()) ?? .other
        body.skip(7)
        lostRecords = body.u64()
        lostBytes = body.u64()
        firstSequence = body.u64()
        lastSequence = body.u64()
    }
}
