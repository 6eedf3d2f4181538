import NIOCore

/// ERROR: why the sender is about to close the connection.
public struct ErrorMessage: SessionPayload, Error, Codable, CustomStringConvertible {
    public static let type = MessageType.error
    public static let minimumLength = 4

    public enum Code: UInt16, Sendable, Codable {
        case malformedFrame = 1
        case unsupportedVersion = 2
        case authenticationFailed = 3
        case handshakeTimeout = 4
        case tooManyConnections = 5
        case idleTimeout = 6
        case protocolViolation = 7
        case shuttingDown = 8
        case frameTooLarge = 9
        case internalError = 10
        case unknown = 0xFFFF
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code.rawValue)
        buffer.writeString16(message)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        code = Code(rawValue: payload.readInteger(as: UInt16.self)!) ?? .unknown
        message = try payload.readString16(field: "ERROR message")
    }
}
