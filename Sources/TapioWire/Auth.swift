import NIOCore

/// AUTH: the client's answer to HELLO: who it is and proof that it holds the shared token.
public struct Auth: SessionPayload, Codable {
    public static let type = MessageType.auth
    public static let minimumLength = 76 + 2

    public enum Role: UInt8, Sendable, Codable, CustomStringConvertible {
        case exporter = 1, tail = 2, query = 3
        public var description: String {
            switch self {
            case .exporter: "exporter"
            case .tail: "tail"
            case .query: "query"
            }
        }
    }

    public var role: Role
    /// Identifies one exporter run's sequence space: a restarted exporter without its spool
    /// starts a new epoch so its sequence 1 is not taken for a duplicate.
    public var streamEpoch: UInt64
    public var clientNonce: Nonce
    public var proof: Proof
    public var nodeName: String

    public init(role: Role, streamEpoch: UInt64, clientNonce: Nonce, proof: Proof, nodeName: String) {
        self.role = role
        self.streamEpoch = streamEpoch
        self.clientNonce = clientNonce
        self.proof = proof
        self.nodeName = nodeName
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(role.rawValue)
        buffer.writeRepeatingByte(0, count: 3)
        buffer.writeInteger(streamEpoch)
        buffer.writeBytes(clientNonce.bytes)
        buffer.writeBytes(proof.bytes)
        buffer.writeString16(nodeName)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        let rawRole = payload.readInteger(as: UInt8.self)!
        guard let role = Role(rawValue: rawRole) else { throw .invalidField("AUTH role \(rawRole) (expected 1 exporter, 2 tail, 3 query)") }
        self.role = role
        payload.moveReaderIndex(forwardBy: 3)
        streamEpoch = payload.readU64()
        clientNonce = Nonce.read(from: &payload)
        proof = Proof(bytes: payload.readBytes(length: HandshakeProof.length)!)
        nodeName = try payload.readString16(field: "AUTH nodeName")
    }
}
