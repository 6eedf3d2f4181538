import NIOCore

/// Field encodings shared by records and session messages: `str16` (u16 length + UTF-8) and
/// fixed-size NUL-padded name fields such as the kernel's 16-byte `comm`.
extension ByteBuffer {
    /// Largest string accepted in a `str16` field.
    public static let maxWireStringLength = 4096

    public mutating func writeString16(_ string: String) {
        let utf8 = Self.wireUTF8(string)
        writeInteger(UInt16(utf8.count))
        writeBytes(utf8)
    }

    /// The UTF-8 a `str16` field carries: at most `maxWireStringLength` bytes, never cutting a
    /// multi-byte character in half.
    public static func wireUTF8(_ string: String) -> [UInt8] {
        var utf8 = Array(string.utf8.prefix(maxWireStringLength))
        while !utf8.isEmpty, String(validating: utf8, as: UTF8.self) == nil { utf8.removeLast() }
        return utf8
    }

    public mutating func readString16(field: String) throws(WireError) -> String {
        guard let length = readInteger(as: UInt16.self) else {
            throw .invalidField("\(field): missing length")
        }
        guard Int(length) <= Self.maxWireStringLength else {
            throw .stringTooLong(field: field, length: Int(length), limit: Self.maxWireStringLength)
        }
        guard let bytes = readBytes(length: Int(length)) else {
            throw .invalidField("\(field): \(length) bytes announced, \(readableBytes) present")
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .invalidField("\(field): not valid UTF-8")
        }
        return string
    }

    /// Writes `string` into exactly `width` bytes, NUL-padded (truncated if longer).
    public mutating func writeFixedString(_ string: String, width: Int) {
        let bytes = Array(string.utf8.prefix(width))
        writeBytes(bytes)
        writeRepeatingByte(0, count: width - bytes.count)
    }

    /// Reads a `width`-byte NUL-padded field; invalid UTF-8 is repaired, not rejected, because
    /// the kernel's comm is arbitrary bytes.
    public mutating func readFixedString(width: Int) -> String? {
        guard let bytes = readBytes(length: width) else { return nil }
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
