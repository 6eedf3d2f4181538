import NIOCore

/// WELCOME: the server accepts the client, proves it holds the token too, and says where the
/// stream resumes.
public struct Welcome: SessionPayload, Codable {
    public static let type = MessageType.welcome
    public static let minimumLength = 40

    /// Highest BATCH sequence already applied for this node and epoch (0: none). The exporter
    /// resends only what follows.
    public var resumeSequence: UInt64
    public var serverProof: Proof

    public init(resumeSequence: UInt64, serverProof: Proof) {
        self.resumeSequence = resumeSequence
        self.serverProof = serverProof
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(resumeSequence)
        buffer.writeBytes(serverProof.bytes)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        resumeSequence = payload.readU64()
        serverProof = Proof(bytes: payload.readBytes(length: HandshakeProof.length)!)
    }
}
