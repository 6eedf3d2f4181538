/// The client's side of the v1 handshake as a pure state machine: answer HELLO with AUTH,
/// check the server's proof in WELCOME.
public struct ClientHandshake: Sendable {
    public enum Outcome: Sendable, Equatable {
        case send(Message)
        /// The server proved itself; resume after this sequence.
        case established(resumeSequence: UInt64, serverName: String, idleTimeoutMilliseconds: UInt32)
        /// Close; the string says why in one line.
        case failed(String)
    }

    public let role: Auth.Role
    public let nodeName: String
    public let streamEpoch: UInt64
    public let clientNonce: Nonce
    private let proofs: HandshakeProof
    private var hello: Hello?

    public init(token: [UInt8], role: Auth.Role, nodeName: String, streamEpoch: UInt64, clientNonce: Nonce = .random()) {
        self.proofs = HandshakeProof(token: token)
        self.role = role
        self.nodeName = nodeName
        self.streamEpoch = streamEpoch
        self.clientNonce = clientNonce
    }

    public mutating func receive(_ message: Message) -> Outcome {
        switch (hello, message) {
        case (_, .error(let error)):
            return .failed("server refused: \(error.message) (\(error.code))")
        case (nil, .hello(let serverHello)):
            guard (serverHello.minimumVersion...max(serverHello.minimumVersion, serverHello.maximumVersion)).contains(FrameHeader.protocolVersion) else {
                return .failed("server speaks protocol versions \(serverHello.minimumVersion)–\(serverHello.maximumVersion), this client speaks \(FrameHeader.protocolVersion)")
            }
            hello = serverHello
            let proof = proofs.clientProof(
                serverNonce: serverHello.serverNonce, clientNonce: clientNonce, role: role, streamEpoch: streamEpoch, nodeName: nodeName)
            return .send(.auth(Auth(role: role, streamEpoch: streamEpoch, clientNonce: clientNonce, proof: proof, nodeName: nodeName)))
        case (let serverHello?, .welcome(let welcome)):
            let expected = proofs.serverProof(
                serverNonce: serverHello.serverNonce, clientNonce: clientNonce, resumeSequence: welcome.resumeSequence)
            guard HandshakeProof.matches(expected, welcome.serverProof) else {
                return .failed("server's proof does not match our token: wrong token on one side, or not our aggregator")
            }
            return .established(
                resumeSequence: welcome.resumeSequence, serverName: serverHello.serverName,
                idleTimeoutMilliseconds: serverHello.idleTimeoutMilliseconds)
        case (nil, _):
            return .failed("expected HELLO from the server, got \(message.type)")
        case (_?, _):
            return .failed("expected WELCOME from the server, got \(message.type)")
        }
    }
}
