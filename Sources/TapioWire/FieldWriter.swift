import NIOCore

/// Writes a record's fixed-width big-endian fields straight into a buffer's bytes. Through
/// `ByteBuffer.writeInteger` every field paid a capacity check, a uniqueness check and a
/// dynamic exclusivity check; records are written by the million, so `writeFields` pays them
/// once per record. Only made by `ByteBuffer.writeFields`, which sized the space.
public struct FieldWriter {
    @usableFromInline let base: UnsafeMutableRawBufferPointer
    @usableFromInline private(set) var offset = 0

    @usableFromInline init(base: UnsafeMutableRawBufferPointer) { self.base = base }

    @inlinable public mutating func put<T: FixedWidthInteger>(_ value: T) {
        precondition(offset + MemoryLayout<T>.size <= base.count, "FieldWriter: record larger than its announced size")
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
    }

    /// A u64 field where "no value" is the all-ones sentinel.
    @inlinable public mutating func putOptional(_ value: UInt64?) { put(value ?? absentU64) }
    @inlinable public mutating func putOptional(_ value: UInt32?) { put(value ?? absentU32) }

    @inlinable public mutating func putZeros(_ count: Int) {
        precondition(offset + count <= base.count, "FieldWriter: record larger than its announced size")
        base.baseAddress!.advanced(by: offset).initializeMemory(as: UInt8.self, repeating: 0, count: count)
        offset += count
    }

    public mutating func putBytes(_ bytes: UnsafeRawBufferPointer) {
        precondition(offset + bytes.count <= base.count, "FieldWriter: record larger than its announced size")
        if let source = bytes.baseAddress {
            base.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: bytes.count)
        }
        offset += bytes.count
    }

    /// `string` in exactly `width` bytes, NUL-padded, truncated if longer (the kernel's comm).
    public mutating func putFixedString(_ string: String, width: Int) {
        var string = string
        let written = string.withUTF8 { utf8 in
            let count = min(utf8.count, width)
            putBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[0..<count]))
            return count
        }
        putZeros(width - written)
    }

    /// A `str16` field (u16 length + UTF-8) from bytes already cut to the wire's limit.
    public mutating func putString16(_ utf8: [UInt8]) {
        put(UInt16(utf8.count))
        utf8.withUnsafeBytes { putBytes($0) }
    }
}

extension ByteBuffer {
    /// Appends exactly `size` bytes written by `body` (which must write all of them).
    @inlinable public mutating func writeFields(size: Int, _ body: (inout FieldWriter) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            var writer = FieldWriter(base: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<size]))
            body(&writer)
            precondition(writer.offset == size, "FieldWriter: wrote \(writer.offset) of \(size) announced bytes")
            return size
        }
    }
}
