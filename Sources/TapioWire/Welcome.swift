import NIOCore

/// WELCOME: the server accepts the client, proves it holds the token too, and says where the
/// stream resumes.
public struct Welcome: SessionPayload {
    public static let type = MessageType.welcome
    public static let minimumLength = 40

    /// Highest BATCH sequence already applied for this node and epoch (0: none). The exporter
    /// resends only what follows.
    public var resumeSequence: UInt64
    public var serverProof: [UInt8]

    public init(resumeSequence: UInt64, serverProof: [UInt8]) {
        self.resumeSequence = resumeSequence
        self.serverProof = serverProof
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(resumeSequence)
        buffer.writeBytes(serverProof)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        resumeSequence = payload.readU64()
        serverProof = payload.readBytes(length: HandshakeProof.length)!
    }
}
