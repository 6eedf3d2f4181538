/// Settings applied before the BPF programs are loaded.
public struct BPFProbeOptions: Sendable, Equatable {
    /// Emit a process's RSS when it (or its swap) moved by more than this many bytes.
    public var rssThresholdBytes: UInt64
    /// ... or when it moved at all and this many nanoseconds passed since the last record.
    public var rssMinIntervalNs: UInt64
    /// Ring buffer size in bytes: a power of two, at least one page. Records that do not fit
    /// are dropped in the kernel and counted (`BPFProbeCounters.ringBufferDrops`).
    public var ringBufferBytes: UInt32
    /// Where sysfs lives (tests point it elsewhere to check the preflight messages).
    public var sysfsRoot: String
    /// Count page allocations/frees per cgroup (`kmem:mm_page_alloc`/`mm_page_free`). Off by
    /// default: these fire for every page the kernel allocates or frees, which costs a
    /// page-fault-heavy workload measurably (see bench/node.md), and cgroup sampling already
    /// gives the memory figures prediction needs.
    public var pageActivity: Bool

    public init(
        rssThresholdBytes: UInt64 = 1 << 20,
        rssMinIntervalNs: UInt64 = 1_000_000_000,
        ringBufferBytes: UInt32 = 512 * 1024,
        sysfsRoot: String = "/sys",
        pageActivity: Bool = false
    ) {
        self.rssThresholdBytes = rssThresholdBytes
        self.rssMinIntervalNs = rssMinIntervalNs
        self.ringBufferBytes = ringBufferBytes
        self.sysfsRoot = sysfsRoot
        self.pageActivity = pageActivity
    }
}
