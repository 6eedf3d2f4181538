import NIOCore

/// Every message of protocol v1, typed. `frame()` and `init(frame:)` convert to and from
/// wire frames; all validation of the payload happens in `init(frame:)`.
public enum Message: Sendable, Equatable {
    case hello(Hello)
    case auth(Auth)
    case welcome(Welcome)
    case error(ErrorMessage)
    case batch(sequence: UInt64, RecordBatch)
    /// Highest BATCH sequence applied (and durable) on the receiver.
    case ack(sequence: UInt64)
    case heartbeat
    /// An alert as a JSON document (UTF-8).
    case alert(json: String)
    case subscribe(Subscribe)
    case goodbye(Goodbye)

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .auth: .auth
        case .welcome: .welcome
        case .error: .error
        case .batch: .batch
        case .ack: .ack
        case .heartbeat: .heartbeat
        case .alert: .alert
        case .subscribe: .subscribe
        case .goodbye: .goodbye
        }
    }

    /// The message as a frame. BATCH and ALERT payloads are LZ4-compressed when `compress`
    /// is set and it helps; session messages are too small to gain.
    public func frame(compress: Bool = true) -> WireFrame {
        switch self {
        case .hello(let m): return WireFrame(type: .hello, rawPayload: m.encoded)
        case .auth(let m): return WireFrame(type: .auth, rawPayload: m.encoded)
        case .welcome(let m): return WireFrame(type: .welcome, rawPayload: m.encoded)
        case .error(let m): return WireFrame(type: .error, rawPayload: m.encoded)
        case .subscribe(let m): return WireFrame(type: .subscribe, rawPayload: m.encoded)
        case .goodbye(let m): return WireFrame(type: .goodbye, rawPayload: m.encoded)
        case .batch(let sequence, let batch):
            return WireFrame(
                type: .batch, sequence: sequence, count: UInt32(batch.records.count),
                rawPayload: RecordBatch.encode(batch.records), compress: compress)
        case .ack(let sequence): return WireFrame(type: .ack, sequence: sequence, rawPayload: ByteBuffer())
        case .heartbeat: return WireFrame(type: .heartbeat, rawPayload: ByteBuffer())
        case .alert(let json): return WireFrame(type: .alert, rawPayload: ByteBuffer(string: json), compress: compress)
        }
    }

    /// Decodes and validates a frame (already checked against the limits by the decoder).
    public init(frame: WireFrame) throws(WireError) {
        let header = frame.header
        if header.type != .batch, header.count != 0 {
            throw .invalidField("\(header.type) frame with record count \(header.count) (only BATCH carries records)")
        }
        let payload = try frame.decodedPayload()
        switch header.type {
        case .hello: self = .hello(try Hello.decode(payload))
        case .auth: self = .auth(try Auth.decode(payload))
        case .welcome: self = .welcome(try Welcome.decode(payload))
        case .error: self = .error(try ErrorMessage.decode(payload))
        case .subscribe: self = .subscribe(try Subscribe.decode(payload))
        case .goodbye: self = .goodbye(try Goodbye.decode(payload))
        case .batch:
            guard header.sequence > 0 else { throw .invalidField("BATCH sequence 0 (sequences start at 1)") }
            self = .batch(sequence: header.sequence, try RecordBatch.decode(payload, expectedCount: header.count))
        case .ack: self = .ack(sequence: header.sequence)
        case .heartbeat: self = .heartbeat
        case .alert:
            guard let json = String(validating: payload.readableBytesView, as: UTF8.self) else {
                throw .invalidField("ALERT payload is not valid UTF-8")
            }
            self = .alert(json: json)
        default:
            throw .invalidField("unknown message type \(header.type.rawValue)")
        }
    }
}
