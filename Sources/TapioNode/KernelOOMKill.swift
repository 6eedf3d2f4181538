/// An OOM kill as the kernel announced it (oom:mark_victim), about the victim, not about
/// the task that happened to trigger the OOM.
public struct KernelOOMKill: Sendable, Equatable {
    public var timestampNs: UInt64
    /// The victim thread the kernel picked and its process.
    public var victimPID: Int32
    public var victimTGID: Int32
    public var victimComm: String
    /// Memory cgroup id of the victim (inode of its cgroup directory).
    public var victimCgroupID: UInt64
    /// The victim's pid namespace level (0 = host) and its pid inside that namespace.
    public var victimPIDNamespaceLevel: UInt32
    public var victimNamespacePID: Int32
    public var totalVMKiB: UInt64
    public var anonRSSKiB: UInt64
    public var fileRSSKiB: UInt64
    public var shmemRSSKiB: UInt64
    public var pageTablesKiB: UInt64
    public var uid: UInt32
    public var oomScoreAdj: Int32
    /// The task running when the OOM was hit (allocating, charging), and its memory cgroup.
    public var triggerPID: Int32
    public var triggerTGID: Int32
    public var triggerCgroupID: UInt64

    public init(
        timestampNs: UInt64, victimPID: Int32, victimTGID: Int32, victimComm: String,
        victimCgroupID: UInt64, victimPIDNamespaceLevel: UInt32, victimNamespacePID: Int32,
        totalVMKiB: UInt64, anonRSSKiB: UInt64, fileRSSKiB: UInt64, shmemRSSKiB: UInt64,
        pageTablesKiB: UInt64, uid: UInt32, oomScoreAdj: Int32,
        triggerPID: Int32, triggerTGID: Int32, triggerCgroupID: UInt64
    ) {
        self.timestampNs = timestampNs
        self.victimPID = victimPID
        self.victimTGID = victimTGID
        self.victimComm = victimComm
        self.victimCgroupID = victimCgroupID
        self.victimPIDNamespaceLevel = victimPIDNamespaceLevel
        self.victimNamespacePID = victimNamespacePID
        self.totalVMKiB = totalVMKiB
        self.anonRSSKiB = anonRSSKiB
        self.fileRSSKiB = fileRSSKiB
        self.shmemRSSKiB = shmemRSSKiB
        self.pageTablesKiB = pageTablesKiB
        self.uid = uid
        self.oomScoreAdj = oomScoreAdj
        self.triggerPID = triggerPID
        self.triggerTGID = triggerTGID
        self.triggerCgroupID = triggerCgroupID
    }

    /// Resident set of the victim when it was picked: anon + file + shmem.
    public var residentKiB: UInt64 { anonRSSKiB &+ fileRSSKiB &+ shmemRSSKiB }
}
