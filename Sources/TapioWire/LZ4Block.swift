import CLZ4

/// LZ4 block format (`LZ4_compress_default` / `LZ4_decompress_safe`) through Debian's liblz4.
public enum LZ4Block {
    /// Compresses `source`; returns nil when the result would not be smaller, so callers send
    /// the bytes as they are (flag bit 0 clear) instead.
    public static func compressIfSmaller(_ source: UnsafeRawBufferPointer) -> [UInt8]? {
        guard source.count > 0, source.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        // Anything not strictly smaller is useless: cap the output there and let LZ4 give up.
        let capacity = source.count - 1
        guard capacity > 0 else { return nil }
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let written = LZ4_compress_default(
                source.baseAddress!.assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(capacity))
            initialized = Int(max(written, 0))
        }
        if output.isEmpty { return nil }
        return output
    }

    /// Decompresses exactly `rawLength` bytes; anything else is an error. `LZ4_decompress_safe`
    /// never writes past the destination, and the destination is sized from a length that the
    /// caller has already checked against its limits.
    public static func decompress(_ source: UnsafeRawBufferPointer, rawLength: Int) throws(WireError) -> [UInt8] {
        guard rawLength > 0 else {
            if source.count == 0 { return [] }
            throw WireError.decompressedLengthMismatch(expected: 0, actual: -1)
        }
        var failure: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: rawLength) { buffer, initialized in
            let produced = LZ4_decompress_safe(
                source.baseAddress.map { $0.assumingMemoryBound(to: CChar.self) },
                UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(rawLength))
            if produced < 0 { failure = produced; initialized = 0 } else { initialized = Int(produced) }
        }
        if failure < 0 { throw WireError.decompressionFailed(code: Int(failure)) }
        guard output.count == rawLength else {
            throw WireError.decompressedLengthMismatch(expected: rawLength, actual: output.count)
        }
        return output
    }
}
