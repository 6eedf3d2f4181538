/// The probe's in-kernel counters, summed over CPUs, since the probe was loaded.
public struct BPFProbeCounters: Sendable, Equatable {
    /// Records the kernel could not reserve in the ring buffer: lost events.
    public var ringBufferDrops: UInt64
    /// kmem:rss_stat updates of an mm not owned by a known process (dropped on purpose).
    public var rssUnattributed: UInt64
    /// kmem:rss_stat tracepoint hits; how many of them got past the per-CPU fast path (the
    /// shared counter moved enough to look at); and how many became records.
    public var rssUpdates: UInt64
    public var rssFullPasses: UInt64
    public var rssRecords: UInt64

    public init(ringBufferDrops: UInt64 = 0, rssUnattributed: UInt64 = 0, rssUpdates: UInt64 = 0, rssFullPasses: UInt64 = 0, rssRecords: UInt64 = 0) {
        self.ringBufferDrops = ringBufferDrops
        self.rssUnattributed = rssUnattributed
        self.rssUpdates = rssUpdates
        self.rssFullPasses = rssFullPasses
        self.rssRecords = rssRecords
    }
}

/// Page traffic seen while tasks of one memory cgroup were running, summed over CPUs, since
/// load. Frees happen in any context, so this is activity, not the cgroup's memory.
public struct CgroupPageCounters: Sendable, Equatable {
    public var allocatedPages: UInt64
    public var freedPages: UInt64

    public init(allocatedPages: UInt64, freedPages: UInt64) {
        self.allocatedPages = allocatedPages
        self.freedPages = freedPages
    }
}
