import NIOCore

/// HELLO: the server's first words on every connection.
public struct Hello: SessionPayload, Codable {
    public static let type = MessageType.hello
    public static let minimumLength = 40 + 2

    public var minimumVersion: UInt8
    public var maximumVersion: UInt8
    public var serverNonce: Nonce
    /// Peers silent for longer are dropped; clients send HEARTBEAT well within it.
    public var idleTimeoutMilliseconds: UInt32
    public var serverName: String

    public init(minimumVersion: UInt8 = 1, maximumVersion: UInt8 = 1, serverNonce: Nonce, idleTimeoutMilliseconds: UInt32, serverName: String) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.serverNonce = serverNonce
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.serverName = serverName
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(minimumVersion)
        buffer.writeInteger(maximumVersion)
        buffer.writeInteger(UInt16(0))
        buffer.writeBytes(serverNonce.bytes)
        buffer.writeInteger(idleTimeoutMilliseconds)
        buffer.writeString16(serverName)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        minimumVersion = payload.readInteger(as: UInt8.self)!
        maximumVersion = payload.readInteger(as: UInt8.self)!
        _ = payload.readInteger(as: UInt16.self)
        serverNonce = Nonce.read(from: &payload)
        idleTimeoutMilliseconds = payload.readU32()
        serverName = try payload.readString16(field: "HELLO serverName")
    }
}
