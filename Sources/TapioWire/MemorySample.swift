import NIOCore

/// One reading of a memory cgroup (kind 1): the charge the OOM killer acts on, its effective
/// limit, the split that tells reclaimable from not, and the counters that show the limit
/// being hit and reclaim working or failing.
public struct MemorySample: RecordBody {
    public static let kind = RecordKind.memorySample
    public static let minimumBodyLength = 136

    public var cgroupId: UInt64
    /// Charge: v1 memory.usage_in_bytes, v2 memory.current.
    public var usageBytes: UInt64
    /// Minimum limit over the cgroup and its ancestors; nil when unlimited.
    public var effectiveLimitBytes: UInt64?
    public var anonBytes: UInt64
    public var fileBytes: UInt64
    public var inactiveFileBytes: UInt64
    public var shmemBytes: UInt64
    public var kernelBytes: UInt64
    public var swapBytes: UInt64
    /// memory.events oom (v2); 0 on v1, which keeps no count (only the under_oom state).
    public var oomEvents: UInt64
    public var oomKillEvents: UInt64
    /// v1 memory.failcnt, v2 memory.events `max`.
    public var limitHits: UInt64
    /// Pages scanned and reclaimed; nil where the kernel does not give them (v1).
    public var pgscan: UInt64?
    public var pgsteal: UInt64?
    /// memory.pressure avg10 in hundredths of a percent; nil on cgroup v1.
    public var pressureSomeAvg10Centipercent: UInt32?
    public var pressureFullAvg10Centipercent: UInt32?
    /// memory.pressure total stall time in microseconds; nil on cgroup v1.
    public var pressureSomeTotalMicroseconds: UInt64?
    public var pressureFullTotalMicroseconds: UInt64?

    public init(
        cgroupId: UInt64, usageBytes: UInt64, effectiveLimitBytes: UInt64?, anonBytes: UInt64 = 0,
        fileBytes: UInt64 = 0, inactiveFileBytes: UInt64 = 0, shmemBytes: UInt64 = 0, kernelBytes: UInt64 = 0,
        swapBytes: UInt64 = 0, oomEvents: UInt64 = 0, oomKillEvents: UInt64 = 0, limitHits: UInt64 = 0,
        pgscan: UInt64? = nil, pgsteal: UInt64? = nil, pressureSomeAvg10Centipercent: UInt32? = nil,
        pressureFullAvg10Centipercent: UInt32? = nil, pressureSomeTotalMicroseconds: UInt64? = nil,
        pressureFullTotalMicroseconds: UInt64? = nil
    ) {
        self.cgroupId = cgroupId
        self.usageBytes = usageBytes
        self.effectiveLimitBytes = effectiveLimitBytes
        self.anonBytes = anonBytes
        self.fileBytes = fileBytes
        self.inactiveFileBytes = inactiveFileBytes
        self.shmemBytes = shmemBytes
        self.kernelBytes = kernelBytes
        self.swapBytes = swapBytes
        self.oomEvents = oomEvents
        self.oomKillEvents = oomKillEvents
        self.limitHits = limitHits
        self.pgscan = pgscan
        self.pgsteal = pgsteal
        self.pressureSomeAvg10Centipercent = pressureSomeAvg10Centipercent
        self.pressureFullAvg10Centipercent = pressureFullAvg10Centipercent
        self.pressureSomeTotalMicroseconds = pressureSomeTotalMicroseconds
        self.pressureFullTotalMicroseconds = pressureFullTotalMicroseconds
    }

    public func encode(into fields: inout FieldWriter) {
        fields.put(cgroupId)
        fields.put(usageBytes)
        fields.putOptional(effectiveLimitBytes)
        fields.put(anonBytes)
        fields.put(fileBytes)
        fields.put(inactiveFileBytes)
        fields.put(shmemBytes)
        fields.put(kernelBytes)
        fields.put(swapBytes)
        fields.put(oomEvents)
        fields.put(oomKillEvents)
        fields.put(limitHits)
        fields.putOptional(pgscan)
        fields.putOptional(pgsteal)
        fields.putOptional(pressureSomeAvg10Centipercent)
        fields.putOptional(pressureFullAvg10Centipercent)
        fields.putOptional(pressureSomeTotalMicroseconds)
        fields.putOptional(pressureFullTotalMicroseconds)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        cgroupId = body.u64()
        usageBytes = body.u64()
        effectiveLimitBytes = body.optionalU64()
        anonBytes = body.u64()
        fileBytes = body.u64()
        inactiveFileBytes = body.u64()
        shmemBytes = body.u64()
        kernelBytes = body.u64()
        swapBytes = body.u64()
        oomEvents = body.u64()
        oomKillEvents = body.u64()
        limitHits = body.u64()
        pgscan = body.optionalU64()
        pgsteal = body.optionalU64()
        pressureSomeAvg10Centipercent = body.optionalU32()
        pressureFullAvg10Centipercent = body.optionalU32()
        pressureSomeTotalMicroseconds = body.optionalU64()
        pressureFullTotalMicroseconds = body.optionalU64()
    }
}
