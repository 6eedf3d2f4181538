/// The server's side of the v1 handshake as a pure state machine: it says HELLO, checks the
/// client's AUTH, and answers WELCOME or ERROR. The connection handler only moves bytes.
public struct ServerHandshake: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Send WELCOME; the session is established for this client.
        case accept(welcome: Message, client: Auth)
        /// Send this ERROR and close.
        case reject(ErrorMessage)
    }

    public let serverNonce: Nonce
    private let proofs: HandshakeProof
    private let serverName: String
    private let idleTimeoutMilliseconds: UInt32
    private let allowedRoles: Set<Auth.Role>

    /// `token` empty means no shared secret (loopback or `--insecure`): proofs are still
    /// computed and checked, with an empty key, so both sides must agree on that.
    public init(
        token: [UInt8], serverName: String, idleTimeoutMilliseconds: UInt32,
        allowedRoles: Set<Auth.Role> = [.exporter, .tail, .query], serverNonce: Nonce = .random()
    ) {
        self.proofs = HandshakeProof(token: token)
        self.serverName = serverName
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.allowedRoles = allowedRoles
        self.serverNonce = serverNonce
    }

    public var hello: Message {
        .hello(Hello(serverNonce: serverNonce, idleTimeoutMilliseconds: idleTimeoutMilliseconds, serverName: serverName))
    }

    /// Judges the client's first message. `resumeSequence` gives the last sequence applied for
    /// the stream the client names (called only once the proof is good).
    public func receive(_ message: Message, resumeSequence: (Auth) -> UInt64) -> Outcome {
        guard case .auth(let auth) = message else {
            return .reject(ErrorMessage(code: .protocolViolation, message: "expected AUTH after HELLO, got \(message.type)"))
        }
        let expected = proofs.clientProof(
            serverNonce: serverNonce, clientNonce: auth.clientNonce, role: auth.role, streamEpoch: auth.streamEpoch,
            nodeName: auth.nodeName)
        guard HandshakeProof.matches(expected, auth.proof) else {
            return .reject(ErrorMessage(code: .authenticationFailed, message: "proof does not match the shared token"))
        }
        guard allowedRoles.contains(auth.role) else {
            return .reject(ErrorMessage(code: .protocolViolation, message: "role \(auth.role) is not served here"))
        }
        guard !auth.nodeName.isEmpty || auth.role != .exporter else {
            return .reject(ErrorMessage(code: .protocolViolation, message: "exporter AUTH without a node name"))
        }
        let resume = resumeSequence(auth)
        let proof = proofs.serverProof(serverNonce: serverNonce, clientNonce: auth.clientNonce, resumeSequence: resume)
        return .accept(welcome: .welcome(Welcome(resumeSequence: resume, serverProof: proof)), client: auth)
    }
}
