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
        var records: [Record] = []
        if let expectedCount {
            // The count is untrusted: never reserve more than the payload could possibly hold.
            records.reserveCapacity(min(Int(expectedCount), payload.readableBytes / Record.envelopeSize))
        }
        // One walk over the payload's bytes (see `FieldReader`); errors leave the closure as a value.
        let walked = payload.withUnsafeReadableBytes { bytes -> Result<(count: Int, skipped: Int), WireError> in
            var skipped = 0
            var index = 0
            var offset = 0
            while offset < bytes.count {
                guard bytes.count - offset >= Record.envelopeSize else { return .failure(.recordTruncated(index: index, offset: offset)) }
                let rawKind = bytes[offset]
                let bodyLength = Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)))
                let timestamp = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self))
                let bodyStart = offset + Record.envelopeSize
                guard bytes.count - bodyStart >= bodyLength else { return .failure(.recordTruncated(index: index, offset: offset)) }
                if let kind = RecordKind(rawValue: rawKind) {
                    var body = FieldReader(bytes: UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + bodyLength)]))
                    do throws(WireError) {
                        records.append(Record(timestampNs: timestamp, body: try Record.decodeBody(kind: kind, body: &body)))
                    } catch {
                        return .failure(error)
                    }
                } else {
                    skipped += 1
                }
                index += 1
                offset = bodyStart + bodyLength
            }
            return .success((index, skipped))
        }
        let (count, skipped) = try walked.get()
        if let expectedCount, Int(expectedCount) != count {
            throw .recordCountMismatch(header: expectedCount, actual: count)
        }
        return RecordBatch(records: records, skippedUnknown: skipped)
    }
}
