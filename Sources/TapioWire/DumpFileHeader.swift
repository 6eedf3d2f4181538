import NIOCore

/// The 16-byte header of a dump file: "TPIODUMP", u32 version, u32 flags. Frames follow,
/// exactly as they crossed the wire.
public struct DumpFileHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("TPIODUMP".utf8)
    public static let size = 16
    public static let currentVersion: UInt32 = 1

    public var version: UInt32
    public var flags: UInt32

    public init(version: UInt32 = DumpFileHeader.currentVersion, flags: UInt32 = 0) {
        self.version = version
        self.flags = flags
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeBytes(Self.magic)
        buffer.writeInteger(version)
        buffer.writeInteger(flags)
    }

    public static func parse(_ bytes: [UInt8]) throws(WireError) -> DumpFileHeader {
        guard bytes.count >= size else {
            throw .badDumpHeader("file is \(bytes.count) bytes, shorter than the 16-byte header")
        }
        guard Array(bytes[0..<8]) == magic else { throw .badDumpHeader("magic is not \"TPIODUMP\"") }
        var buffer = ByteBuffer(bytes: bytes[8..<16])
        let version = buffer.readU32()
        let flags = buffer.readU32()
        guard version == currentVersion else { throw .badDumpHeader("dump format version \(version), this build reads \(currentVersion)") }
        guard flags == 0 else { throw .badDumpHeader("unknown dump flags 0x\(String(flags, radix: 16))") }
        return DumpFileHeader(version: version, flags: flags)
    }
}
