import NIOCore

/// Resident memory of one process by kind (kind 2), from `kmem:rss_stat` aggregated in the kernel.
public struct ProcessRSS: RecordBody {
    public static let kind = RecordKind.processRSS
    public static let minimumBodyLength = 48

    public var pid: UInt32
    public var tgid: UInt32
    public var cgroupId: UInt64
    public var anonBytes: UInt64
    public var fileBytes: UInt64
    public var shmemBytes: UInt64
    public var swapBytes: UInt64

    public init(pid: UInt32, tgid: UInt32, cgroupId: UInt64, anonBytes: UInt64, fileBytes: UInt64, shmemBytes: UInt64, swapBytes: UInt64) {
        self.pid = pid
        self.tgid = tgid
        self.cgroupId = cgroupId
        self.anonBytes = anonBytes
        self.fileBytes = fileBytes
        self.shmemBytes = shmemBytes
        self.swapBytes = swapBytes
    }

    public var residentBytes: UInt64 { anonBytes + fileBytes + shmemBytes }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(pid)
        buffer.writeInteger(tgid)
        buffer.writeInteger(cgroupId)
        buffer.writeInteger(anonBytes)
        buffer.writeInteger(fileBytes)
        buffer.writeInteger(shmemBytes)
        buffer.writeInteger(swapBytes)
    }

    public init(decoding body: inout ByteBuffer) throws(WireError) {
        pid = body.readU32()
        tgid = body.readU32()
        cgroupId = body.readU64()
        anonBytes = body.readU64()
        fileBytes = body.readU64()
        shmemBytes = body.readU64()
        swapBytes = body.readU64()
    }
}
