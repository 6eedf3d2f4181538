import NIOCore

/// GOODBYE: an orderly close (shutdown, restart); the peer should not treat it as a failure.
public struct Goodbye: SessionPayload, Codable {
    public static let type = MessageType.goodbye
    public static let minimumLength = 2

    public var reason: String

    public init(reason: String) { self.reason = reason }

    public func encode(into buffer: inout ByteBuffer) { buffer.writeString16(reason) }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        reason = try payload.readString16(field: "GOODBYE reason")
    }
}
