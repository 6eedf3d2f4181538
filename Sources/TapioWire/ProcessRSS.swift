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

    public func encode(into fields: inout FieldWriter) {
        fields.put(pid)
        fields.put(tgid)
        fields.put(cgroupId)
        fields.put(anonBytes)
        fields.put(fileBytes)
        fields.put(shmemBytes)
        fields.put(swapBytes)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        pid = body.u32()
        tgid = body.u32()
        cgroupId = body.u64()
        anonBytes = body.u64()
        fileBytes = body.u64()
        shmemBytes = body.u64()
        swapBytes = body.u64()
    }
}
