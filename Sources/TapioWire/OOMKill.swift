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

    public func encode(into fields: inout FieldWriter) {
        fields.put(pid)
        fields.put(triggerPid)
        fields.put(cgroupId)
        fields.put(totalVmKiB)
        fields.put(anonRssKiB)
        fields.put(fileRssKiB)
        fields.put(shmemRssKiB)
        fields.put(pageTablesKiB)
        fields.put(uid)
        fields.put(oomScoreAdj)
        fields.putFixedString(comm, width: 16)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        pid = body.u32()
        triggerPid = body.u32()
        cgroupId = body.u64()
        totalVmKiB = body.u64()
        anonRssKiB = body.u64()
        fileRssKiB = body.u64()
        shmemRssKiB = body.u64()
        pageTablesKiB = body.u64()
        uid = body.u32()
        oomScoreAdj = body.i32()
        comm = body.fixedString(width: 16)
    }
}
