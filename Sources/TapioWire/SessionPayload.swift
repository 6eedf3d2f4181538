import NIOCore

/// The payload layout of a session message (HELLO, AUTH, ...). Like record bodies: fixed
/// fields first, trailing bytes from a later minor version ignored, short payloads refused.
public protocol SessionPayload: Sendable, Equatable {
    static var type: MessageType { get }
    static var minimumLength: Int { get }
    func encode(into buffer: inout ByteBuffer)
    init(decoding payload: inout ByteBuffer) throws(WireError)
}

extension SessionPayload {
    public static func decode(_ payload: ByteBuffer) throws(WireError) -> Self {
        guard payload.readableBytes >= minimumLength else {
            throw .messageTooShort(type: type, needed: minimumLength, actual: payload.readableBytes)
        }
        var copy = payload
        return try Self(decoding: &copy)
    }

    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return buffer
    }
}

/// 32 random bytes from the system's cryptographic generator, for handshake nonces.
public struct Nonce: Sendable, Hashable {
    public static let length = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.length)
        self.bytes = bytes
    }

    public static func random() -> Nonce {
        var generator = SystemRandomNumberGenerator()
        return Nonce(bytes: (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func read(from buffer: inout ByteBuffer) -> Nonce { Nonce(bytes: buffer.readBytes(length: length)!) }
}
