import NIOCore

/// Reads a record body's big-endian fields straight from the payload's bytes: one pointer walk
/// over a whole batch instead of a ByteBuffer slice (a retain and release) per record and a
/// bounds and exclusivity check per field. Bounds are still checked: fixed fields trap only if
/// a body's `minimumBodyLength` is wrong (the batch decoder checks every body against it
/// before decoding), variable fields (`string16`) throw on a short or lying length.
public struct FieldReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline private(set) var offset = 0

    /// A reader over exactly one body's bytes.
    public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    @inlinable public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) -> T {
        precondition(offset + MemoryLayout<T>.size <= bytes.count, "FieldReader: read past a body its minimum length allowed")
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    @inlinable public mutating func u64() -> UInt64 { read() }
    @inlinable public mutating func u32() -> UInt32 { read() }
    @inlinable public mutating func i32() -> Int32 { read() }
    @inlinable public mutating func u8() -> UInt8 { read() }
    @inlinable public mutating func optionalU64() -> UInt64? { let v = u64(); return v == absentU64 ? nil : v }
    @inlinable public mutating func optionalU32() -> UInt32? { let v = u32(); return v == absentU32 ? nil : v }

    public mutating func skip(_ count: Int) {
        precondition(offset + count <= bytes.count, "FieldReader: skipped past a body its minimum length allowed")
        offset += count
    }

    /// A `width`-byte NUL-padded field; invalid UTF-8 is repaired, not rejected, because the
    /// kernel's comm is arbitrary bytes.
    public mutating func fixedString(width: Int) -> String {
        precondition(offset + width <= bytes.count, "FieldReader: read past a body its minimum length allowed")
        let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + width)])
        offset += width
        let end = field.firstIndex(of: 0) ?? width
        return String(decoding: UnsafeRawBufferPointer(rebasing: field[0..<end]), as: UTF8.self)
    }

    /// A `str16` field (u16 length + UTF-8), checked: the length is the peer's word.
    public mutating func string16(field: String) throws(WireError) -> String {
        guard remaining >= 2 else { throw .invalidField("\(field): missing length") }
        let length = Int(read(UInt16.self))
        guard length <= ByteBuffer.maxWireStringLength else {
            throw .stringTooLong(field: field, length: length, limit: ByteBuffer.maxWireStringLength)
        }
        guard remaining >= length else { throw .invalidField("\(field): \(length) bytes announced, \(remaining) present") }
        let text = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        guard let string = String(validating: text, as: UTF8.self) else { throw .invalidField("\(field): not valid UTF-8") }
        return string
    }
}
