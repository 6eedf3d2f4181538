import NIOCore

/// One record of a BATCH: the envelope's timestamp and a typed body.
public struct Record: Sendable, Equatable {
    /// Envelope size: kind u8, reserved u8, bodyLength u16, timestampNs u64.
    public static let envelopeSize = 12

    public enum Body: Sendable, Equatable {
        case memorySample(MemorySample)
        case processRSS(ProcessRSS)
        case oomKill(OOMKill)
        case processStart(ProcessStart)
        case processExit(ProcessExit)
        case containerInfo(ContainerInfo)
        case nodeSample(NodeSample)
        case pageActivity(PageActivity)
        case lossReport(LossReport)
    }

    /// UNIX epoch nanoseconds.
    public var timestampNs: UInt64
    public var body: Body

    public init(timestampNs: UInt64, body: Body) {
        self.timestampNs = timestampNs
        self.body = body
    }

    public var kind: RecordKind {
        switch body {
        case .memorySample: .memorySample
        case .processRSS: .processRSS
        case .oomKill: .oomKill
        case .processStart: .processStart
        case .processExit: .processExit
        case .containerInfo: .containerInfo
        case .nodeSample: .nodeSample
        case .pageActivity: .pageActivity
        case .lossReport: .lossReport
        }
    }

    var typedBody: any RecordBody {
        switch body {
        case .memorySample(let b): b
        case .processRSS(let b): b
        case .oomKill(let b): b
        case .processStart(let b): b
        case .processExit(let b): b
        case .containerInfo(let b): b
        case .nodeSample(let b): b
        case .pageActivity(let b): b
        case .lossReport(let b): b
        }
    }

    /// Appends envelope and body.
    public func encode(into buffer: inout ByteBuffer) {
        // Each case encodes its concrete type: going through `typedBody` would box every
        // body larger than an existential's inline buffer (most of them) on the heap.
        switch body {
        case .memorySample(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .processRSS(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .oomKill(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .processStart(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .processExit(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .containerInfo(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .nodeSample(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .pageActivity(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        case .lossReport(let b): Self.encode(b, timestampNs: timestampNs, into: &buffer)
        }
    }

    private static func encode<B: RecordBody>(_ body: B, timestampNs: UInt64, into buffer: inout ByteBuffer) {
        let bodyLength = body.encodedLength
        precondition(bodyLength <= Int(UInt16.max), "record body over 65535 bytes")
        buffer.writeFields(size: envelopeSize + bodyLength) { fields in
            fields.put(B.kind.rawValue)
            fields.put(UInt8(0))
            fields.put(UInt16(bodyLength))
            fields.put(timestampNs)
            body.encode(into: &fields)
        }
    }

    /// Decodes a body of a known kind from exactly its bytes.
    static func decodeBody(kind: RecordKind, body: inout FieldReader) throws(WireError) -> Body {
        func typed<B: RecordBody>(_ type: B.Type, _ body: inout FieldReader) throws(WireError) -> B {
            guard body.remaining >= B.minimumBodyLength else {
                throw .recordBodyTooShort(kind: B.kind, needed: B.minimumBodyLength, actual: body.remaining)
            }
            return try B(decoding: &body)
        }
        switch kind {
        case .memorySample: return .memorySample(try typed(MemorySample.self, &body))
        case .processRSS: return .processRSS(try typed(ProcessRSS.self, &body))
        case .oomKill: return .oomKill(try typed(OOMKill.self, &body))
        case .processStart: return .processStart(try typed(ProcessStart.self, &body))
        case .processExit: return .processExit(try typed(ProcessExit.self, &body))
        case .containerInfo: return .containerInfo(try typed(ContainerInfo.self, &body))
        case .nodeSample: return .nodeSample(try typed(NodeSample.self, &body))
        case .pageActivity: return .pageActivity(try typed(PageActivity.self, &body))
        case .lossReport: return .lossReport(try typed(LossReport.self, &body))
        }
    }
}
