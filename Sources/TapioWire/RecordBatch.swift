import NIOCore

/// The payload of a BATCH frame: records back to back. Records of a kind this build does not
/// know are skipped by their length and counted, so older receivers accept newer senders.
public struct RecordBatch: Sendable, Equatable {
    public var records: [Record]
    /// Records of unknown kinds that were skipped while decoding.
    public var skippedUnknown: Int

    public init(records: [Record], skippedUnknown: Int = 0) {
        self.records = records
        self.skippedUnknown = skippedUnknown
    }

    /// Total records the payload held, known or not (what the header's `count` must say).
    public var totalCount: Int { records.count + skippedUnknown }

    public static func encode(_ records: [Record], into buffer: inout ByteBuffer) {
        for record in records { record.encode(into: &buffer) }
    }

    public static func encode(_ records: [Record]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(records.count * 64)
        encode(records, into: &buffer)
        return buffer
    }

    /// Decodes a whole (decompressed) payload and checks it holds `expectedCount` records.
    public static func decode(_ payload: ByteBuffer, expectedCount: UInt32? = nil) throws(WireError) -> RecordBatch {
        var buffer = payload
        var records: [Record] = []
        if let expectedCount {
            // The count is untrusted: never reserve more than the payload could possibly hold.
            records.reserveCapacity(min(Int(expectedCount), buffer.readableBytes / Record.envelopeSize))
        }
        var skipped = 0
        var index = 0
        while buffer.readableBytes > 0 {
            let offset = buffer.readerIndex - payload.readerIndex
            guard buffer.readableBytes >= Record.envelopeSize,
                let rawKind = buffer.readInteger(as: UInt8.self),
                let _ = buffer.readInteger(as: UInt8.self),
                let bodyLength = buffer.readInteger(as: UInt16.self),
                let timestamp = buffer.readInteger(as: UInt64.self),
                var body = buffer.readSlice(length: Int(bodyLength))
            else { throw .recordTruncated(index: index, offset: offset) }
            if let kind = RecordKind(rawValue: rawKind) {
                records.append(Record(timestampNs: timestamp, body: try Record.decodeBody(kind: kind, body: &body)))
            } else {
                skipped += 1
            }
            index += 1
        }
        if let expectedCount, Int(expectedCount) != index {
            throw .recordCountMismatch(header: expectedCount, actual: index)
        }
        return RecordBatch(records: records, skippedUnknown: skipped)
    }
}
