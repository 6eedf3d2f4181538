/// One reading of a memory cgroup, the numbers the OOM killer acts on.
///
/// Byte values are bytes; counters are monotonic since the cgroup was created. Fields the
/// running kernel/version does not provide are nil, never a made-up 0.
///
/// Where the values come from:
///
/// | field              | cgroup v2                         | cgroup v1                                         |
/// |--------------------|-----------------------------------|---------------------------------------------------|
/// | usageBytes         | memory.current                    | memory.usage_in_bytes                             |
/// | limitBytes         | memory.max ("max" = nil)          | memory.limit_in_bytes (≥ 2^62 = nil)              |
/// | effectiveLimitBytes| min memory.max over self+ancestors| memory.stat hierarchical_memory_limit (or walk)   |
/// | anonBytes          | memory.stat anon                  | memory.stat total_rss                             |
/// | fileBytes          | memory.stat file                  | memory.stat total_cache                           |
/// | inactive/activeFile| memory.stat inactive_file/active_file | total_inactive_file / total_active_file       |
/// | shmemBytes         | memory.stat shmem                 | memory.stat total_shmem                           |
/// | kernelBytes        | memory.stat kernel, or the sum of kernel_stack+pagetables+percpu+sock+vmalloc+slab | memory.kmem.usage_in_bytes |
/// | swapBytes          | memory.swap.current               | memory.memsw.usage_in_bytes − usage, else total_swap |
/// | oomEvents          | memory.events oom                 | nil (v1 has no OOM count, see `underOOM`)          |
/// | oomKillEvents      | memory.events oom_kill            | memory.oom_control oom_kill (kernel ≥ 4.13)       |
/// | underOOM           | nil                               | memory.oom_control under_oom                      |
/// | limitHitCount      | memory.events max                 | memory.failcnt                                    |
/// | pgscan, pgsteal    | memory.stat pgscan, pgsteal       | nil (v1 memory.stat has no reclaim counters)      |
/// | pgmajfault         | memory.stat pgmajfault            | memory.stat total_pgmajfault                      |
/// | workingsetRefault  | workingset_refault_anon+_file (or workingset_refault) | total_ variants of the same |
/// | pressure           | memory.pressure                   | nil                                               |
///
/// v1 memory.stat prints every field twice: "rss 123" counts only pages charged to this cgroup
/// itself, "total_rss 456" counts this cgroup and all its descendants. memory.usage_in_bytes is
/// hierarchical, and so is everything on v2, so the sampler takes the `total_` fields: for a
/// leaf container cgroup both agree, for a pod cgroup only the totals add up to its usage (the
/// pod directory itself holds almost no pages). It falls back to the local field only on a
/// kernel without `total_` lines.
///
/// v1 has no pgscan/pgsteal per cgroup: pgpgin/pgpgout there count charge and uncharge events
/// (every page added to or removed from the cgroup), not reclaim, so they are deliberately not
/// mapped. On v1 the reclaim/thrash signal is `limitHitCount` (failcnt) plus
/// `workingsetRefault` and `pgmajfault`.
public struct CgroupMemorySample: Sendable, Equatable {
    /// Inode number of the cgroup directory; equal to the kernel's `cgroup->kn->id`, which
    /// is what the eBPF programs report as the memory cgroup id (v1 and v2).
    public var cgroupId: UInt64
    /// Path relative to the hierarchy root, "/" for the root ("/kubepods/burstable/pod…/…").
    public var cgroupPath: String
    public var version: CgroupVersion

    /// The charge the OOM killer compares with the limit (includes page cache and, on v2,
    /// kernel memory).
    public var usageBytes: UInt64
    /// This cgroup's own limit; nil = unlimited.
    public var limitBytes: UInt64?
    /// Minimum of the limits of this cgroup and all its ancestors; nil if none is limited.
    public var effectiveLimitBytes: UInt64?

    public var anonBytes: UInt64
    public var fileBytes: UInt64
    public var inactiveFileBytes: UInt64
    public var activeFileBytes: UInt64
    public var shmemBytes: UInt64
    public var kernelBytes: UInt64?
    public var swapBytes: UInt64?

    public var oomEvents: UInt64?
    public var oomKillEvents: UInt64?
    public var underOOM: Bool?
    public var limitHitCount: UInt64

    public var pgscan: UInt64?
    public var pgsteal: UInt64?
    public var pgmajfault: UInt64?
    public var workingsetRefault: UInt64?

    public var pressure: MemoryPressure?

    public init(
        cgroupId: UInt64, cgroupPath: String, version: CgroupVersion,
        usageBytes: UInt64, limitBytes: UInt64?, effectiveLimitBytes: UInt64?,
        anonBytes: UInt64, fileBytes: UInt64, inactiveFileBytes: UInt64, activeFileBytes: UInt64,
        shmemBytes: UInt64, kernelBytes: UInt64?, swapBytes: UInt64?,
        oomEvents: UInt64?, oomKillEvents: UInt64?, underOOM: Bool?, limitHitCount: UInt64,
        pgscan: UInt64?, pgsteal: UInt64?, pgmajfault: UInt64?, workingsetRefault: UInt64?,
        pressure: MemoryPressure?
    ) {
        self.cgroupId = cgroupId
        self.cgroupPath = cgroupPath
        self.version = version
        self.usageBytes = usageBytes
        self.limitBytes = limitBytes
        self.effectiveLimitBytes = effectiveLimitBytes
        self.anonBytes = anonBytes
        self.fileBytes = fileBytes
        self.inactiveFileBytes = inactiveFileBytes
        self.activeFileBytes = activeFileBytes
        self.shmemBytes = shmemBytes
        self.kernelBytes = kernelBytes
        self.swapBytes = swapBytes
        self.oomEvents = oomEvents
        self.oomKillEvents = oomKillEvents
        self.underOOM = underOOM
        self.limitHitCount = limitHitCount
        self.pgscan = pgscan
        self.pgsteal = pgsteal
        self.pgmajfault = pgmajfault
        self.workingsetRefault = workingsetRefault
        self.pressure = pressure
    }

    /// Usage minus inactive page cache: what kubelet calls the working set, the part that
    /// reclaim cannot easily give back.
    public var workingSetBytes: UInt64 {
        usageBytes > inactiveFileBytes ? usageBytes - inactiveFileBytes : 0
    }

    /// Bytes left before the effective limit; nil when unlimited.
    public var headroomBytes: UInt64? {
        guard let limit = effectiveLimitBytes else { return nil }
        return limit > usageBytes ? limit - usageBytes : 0
    }
}
