/// The frame's `type` byte. A struct rather than an enum so that a type this build does not
/// know still decodes and the session layer can answer it with a clear error.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let hello = MessageType(rawValue: 1)
    public static let auth = MessageType(rawValue: 2)
    public static let welcome = MessageType(rawValue: 3)
    public static let error = MessageType(rawValue: 4)
    public static let batch = MessageType(rawValue: 5)
    public static let ack = MessageType(rawValue: 6)
    public static let heartbeat = MessageType(rawValue: 7)
    public static let alert = MessageType(rawValue: 8)
    public static let subscribe = MessageType(rawValue: 9)
    public static let goodbye = MessageType(rawValue: 10)

    public static let known: [MessageType] = [
        .hello, .auth, .welcome, .error, .batch, .ack, .heartbeat, .alert, .subscribe, .goodbye,
    ]

    public var name: String {
        switch self {
        case .hello: "HELLO"
        case .auth: "AUTH"
        case .welcome: "WELCOME"
        case .error: "ERROR"
        case .batch: "BATCH"
        case .ack: "ACK"
        case .heartbeat: "HEARTBEAT"
        case .alert: "ALERT"
        case .subscribe: "SUBSCRIBE"
        case .goodbye: "GOODBYE"
        default: "UNKNOWN(\(rawValue))"
        }
    }

    public var description: String { name }
}
