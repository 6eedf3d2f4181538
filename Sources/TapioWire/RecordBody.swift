import NIOCore

/// A record body layout. Bodies are fixed fields first; a body longer than this build knows
/// is accepted and the extra bytes ignored (later minor versions append fields), a shorter one
/// is an error.
public protocol RecordBody: Sendable, Equatable, Codable {
    static var kind: RecordKind { get }
    /// Bytes of the fixed fields.
    static var minimumBodyLength: Int { get }
    /// Bytes `encode(into:)` writes: `minimumBodyLength` unless the body has variable fields.
    var encodedLength: Int { get }
    func encode(into fields: inout FieldWriter)
    /// Decodes from a reader over exactly this record's body, at least `minimumBodyLength`
    /// bytes long (the caller checks).
    init(decoding body: inout FieldReader) throws(WireError)
}

extension RecordBody {
    public var encodedLength: Int { Self.minimumBodyLength }
}

/// Wire sentinel for "no value" in u64 fields (unlimited limit, figure the kernel does not give).
@usableFromInline let absentU64 = UInt64.max
/// Wire sentinel for "no value" in u32 fields.
@usableFromInline let absentU32 = UInt32.max

extension ByteBuffer {
    @inlinable mutating func writeOptional(_ value: UInt64?) { writeInteger(value ?? absentU64) }
    @inlinable mutating func writeOptional(_ value: UInt32?) { writeInteger(value ?? absentU32) }
    /// Reads a u64 the caller has already bounds-checked.
    @inlinable mutating func readU64() -> UInt64 { readInteger(as: UInt64.self)! }
    @inlinable mutating func readU32() -> UInt32 { readInteger(as: UInt32.self)! }
    @inlinable mutating func readI32() -> Int32 { readInteger(as: Int32.self)! }
    @inlinable mutating func readOptionalU64() -> UInt64? { let v = readU64(); return v == absentU64 ? nil : v }
    @inlinable mutating func readOptionalU32() -> UInt32? { let v = readU32(); return v == absentU32 ? nil : v }
}
