/// Resident memory of one process at one instant, from kmem:rss_stat.
public struct ProcessRSSSample: Sendable, Equatable {
    public var timestampNs: UInt64
    /// The thread whose page fault caused the update (the tgid when `isRemoteUpdate`).
    public var pid: Int32
    /// The process.
    public var tgid: Int32
    /// Memory cgroup id: the inode number of the cgroup directory (v1 memory hierarchy or v2).
    public var cgroupID: UInt64
    public var fileBytes: UInt64
    public var anonBytes: UInt64
    public var swapBytes: UInt64
    public var shmemBytes: UInt64
    /// The last update came from another context (reclaim, OOM reaper, ptrace, ...), attributed
    /// to this process through its mm.
    public var isRemoteUpdate: Bool
    /// An id of the process's mm: its address folded to 32 bits (stable while the process runs one program).
    public var mmID: UInt32

    public init(
        timestampNs: UInt64, pid: Int32, tgid: Int32, cgroupID: UInt64,
        fileBytes: UInt64, anonBytes: UInt64, swapBytes: UInt64, shmemBytes: UInt64,
        isRemoteUpdate: Bool = false, mmID: UInt32 = 0
    ) {
        self.timestampNs = timestampNs
        self.pid = pid
        self.tgid = tgid
        self.cgroupID = cgroupID
        self.fileBytes = fileBytes
        self.anonBytes = anonBytes
        self.swapBytes = swapBytes
        self.shmemBytes = shmemBytes
        self.isRemoteUpdate = isRemoteUpdate
        self.mmID = mmID
    }

    /// Resident set: file + anon + shmem (swap is not resident).
    public var residentBytes: UInt64 { fileBytes &+ anonBytes &+ shmemBytes }
}
