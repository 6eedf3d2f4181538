import Crypto
import NIOCore

/// HMAC-SHA256 proofs of the session handshake. Both sides prove they hold the shared token
/// without sending it; each proof covers both nonces, so a recorded proof is useless on
/// another connection, and the two directions use different labels so one cannot be
/// reflected back as the other.
public struct HandshakeProof: Sendable {
    public static let length = 32
    private let token: [UInt8]

    public init(token: [UInt8]) { self.token = token }

    /// The client's proof: label, server nonce, client nonce, role, epoch, node name.
    public func clientProof(serverNonce: Nonce, clientNonce: Nonce, role: Auth.Role, streamEpoch: UInt64, nodeName: String) -> Proof {
        var message = ByteBuffer()
        message.writeString("TPIO-v1 client proof")
        message.writeBytes(serverNonce.bytes)
        message.writeBytes(clientNonce.bytes)
        message.writeInteger(role.rawValue)
        message.writeInteger(streamEpoch)
        message.writeString(nodeName)
        return Proof(bytes: mac(message))
    }

    /// The server's proof: label, client nonce, server nonce, resume sequence.
    public func serverProof(serverNonce: Nonce, clientNonce: Nonce, resumeSequence: UInt64) -> Proof {
        var message = ByteBuffer()
        message.writeString("TPIO-v1 server proof")
        message.writeBytes(clientNonce.bytes)
        message.writeBytes(serverNonce.bytes)
        message.writeInteger(resumeSequence)
        return Proof(bytes: mac(message))
    }

    /// Compares in constant time.
    public static func matches(_ a: Proof, _ b: Proof) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        var difference: UInt8 = 0
        for i in a.bytes.indices { difference |= a.bytes[i] ^ b.bytes[i] }
        return difference == 0
    }

    private func mac(_ message: ByteBuffer) -> [UInt8] {
        message.readableBytesView.withUnsafeBytes { Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: token))) }
    }
}
