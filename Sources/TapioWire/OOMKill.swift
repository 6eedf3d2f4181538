import NIOCore

/// An OOM kill as the kernel reported it in `oom:mark_victim` (kind 3). The cgroup is the
/// victim's, not that of the task that triggered the kill.
public struct OOMKill: RecordBody {
    public static let kind = RecordKind.oomKill
    public static let minimumBodyLength = 80

    public var pid: UInt32
    /// The task whose allocation triggered the OOM (may differ from the victim).
    public var triggerPid: UInt32
    public var cgroupId: UInt64
    public var totalVmKiB: UInt64
    public var anonRssKiB: UInt64
    public var fileRssKiB: UInt64
    public var shmemRssKiB: UInt64
    public var pageTablesKiB: UInt64
    public var uid: UInt32
    public var oomScoreAdj: Int32
    /// The victim's command name (kernel `comm`, at most 16 bytes).
    public var comm: String

    public init(
        pid: UInt32, triggerPid: UInt32, cgroupId: UInt64, totalVmKiB: UInt64, anonRssKiB: UInt64, fileRssKiB: UInt64,
        shmemRssKiB: UInt64, pageTablesKiB: UInt64, uid: UInt32, oomScoreAdj: Int32, comm: String
    ) {
        self.pid = pid
        self.triggerPid = triggerPid
        self.cgroupId = cgroupId
        self.totalVmKiB = totalVmKiB
        self.anonRssKiB = anonRssKiB
        self.fileRssKiB = fileRssKiB
        self.shmemRssKiB = shmemRssKiB
        self.pageTablesKiB = pageTablesKiB
        self.uid = uid
        self.oomScoreAdj = oomScoreAdj
        self.comm = comm
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(pid)
        buffer.writeInteger(triggerPid)
        buffer.writeInteger(cgroupId)
        buffer.writeInteger(totalVmKiB)
        buffer.writeInteger(anonRssKiB)
        buffer.writeInteger(fileRssKiB)
        buffer.writeInteger(shmemRssKiB)
        buffer.writeInteger(pageTablesKiB)
        buffer.writeInteger(uid)
        buffer.writeInteger(oomScoreAdj)
        buffer.writeFixedString(comm, width: 16)
    }

    public init(decoding body: inout ByteBuffer) throws(WireError) {
        pid = body.readU32()
        triggerPid = body.readU32()
        cgroupId = body.readU64()
        totalVmKiB = body.readU64()
        anonRssKiB = body.readU64()
        fileRssKiB = body.readU64()
        shmemRssKiB = body.readU64()
        pageTablesKiB = body.readU64()
        uid = body.readU32()
        oomScoreAdj = body.readI32()
        comm = body.readFixedString(width: 16)!
    }
}
