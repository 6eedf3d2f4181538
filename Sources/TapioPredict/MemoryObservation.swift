/// One cgroup memory sample of a container, as the node sampler reads it (about once a second).
///
/// Counters are cumulative since the cgroup was created; the predictor works on their deltas, so a
/// counter that goes backwards marks a new cgroup (restart) rather than a negative rate.
public struct MemoryObservation: Sendable, Equatable {
    /// Monotonic or epoch seconds; only differences matter.
    public var timeSeconds: Double
    /// The cgroup charge (v1 `memory.usage_in_bytes`, v2 `memory.current`), page cache included.
    public var usageBytes: UInt64
    /// Page cache that reclaim can take back (inactive file); the working set is the rest.
    public var reclaimableBytes: UInt64
    /// Effective limit (minimum over ancestors); nil when unlimited. May change mid-series.
    public var limitBytes: UInt64?
    /// Times the charge hit the limit (v1 `memory.failcnt`, v2 `memory.events` max).
    public var limitHits: UInt64
    /// Pages scanned by reclaim (v2 `pgscan`); nil on cgroup v1.
    public var reclaimScanned: UInt64?
    /// Pages reclaimed (v2 `pgsteal`); nil on cgroup v1.
    public var reclaimReclaimed: UInt64?
    /// OOM kills in this cgroup.
    public var oomKills: UInt64
    /// PSI `full avg10` in percent; nil on cgroup v1.
    public var pressureFullAvg10: Double?

    public init(
        timeSeconds: Double, usageBytes: UInt64, reclaimableBytes: UInt64 = 0, limitBytes: UInt64?,
        limitHits: UInt64 = 0, reclaimScanned: UInt64? = nil, reclaimReclaimed: UInt64? = nil,
        oomKills: UInt64 = 0, pressureFullAvg10: Double? = nil
    ) {
        self.timeSeconds = timeSeconds
        self.usageBytes = usageBytes
        self.reclaimableBytes = reclaimableBytes
        self.limitBytes = limitBytes
        self.limitHits = limitHits
        self.reclaimScanned = reclaimScanned
        self.reclaimReclaimed = reclaimReclaimed
        self.oomKills = oomKills
        self.pressureFullAvg10 = pressureFullAvg10
    }

    /// Memory reclaim cannot free: what the OOM killer ultimately compares with the limit.
    public var workingSetBytes: UInt64 {
        usageBytes > reclaimableBytes ? usageBytes - reclaimableBytes : 0
    }
}
