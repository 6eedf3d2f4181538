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

/// A 32-byte HMAC-SHA256 handshake proof.
public struct Proof: Sendable, Hashable, Codable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        let hex = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = [UInt8](hex: hex) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "proof must be hex"))
        }
        self.init(bytes: bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes.hexString)
    }
}

/// Nonces read as hex in JSON (vectors, logs).
extension Nonce: Codable {
    public init(from decoder: any Decoder) throws {
        let hex = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = [UInt8](hex: hex), bytes.count == Self.length else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "nonce must be 64 hex digits"))
        }
        self.init(bytes: bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes.hexString)
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        self = bytes
    }
}
