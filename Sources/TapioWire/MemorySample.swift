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

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(cgroupId)
        buffer.writeInteger(usageBytes)
        buffer.writeOptional(effectiveLimitBytes)
        buffer.writeInteger(anonBytes)
        buffer.writeInteger(fileBytes)
        buffer.writeInteger(inactiveFileBytes)
        buffer.writeInteger(shmemBytes)
        buffer.writeInteger(kernelBytes)
        buffer.writeInteger(swapBytes)
        buffer.writeInteger(oomEvents)
        buffer.writeInteger(oomKillEvents)
        buffer.writeInteger(limitHits)
        buffer.writeOptional(pgscan)
        buffer.writeOptional(pgsteal)
        buffer.writeOptional(pressureSomeAvg10Centipercent)
        buffer.writeOptional(pressureFullAvg10Centipercent)
        buffer.writeOptional(pressureSomeTotalMicroseconds)
        buffer.writeOptional(pressureFullTotalMicroseconds)
    }

    public init(decoding body: inout ByteBuffer) throws(WireError) {
        cgroupId = body.readU64()
        usageBytes = body.readU64()
        effectiveLimitBytes = body.readOptionalU64()
        anonBytes = body.readU64()
        fileBytes = body.readU64()
        inactiveFileBytes = body.readU64()
        shmemBytes = body.readU64()
        kernelBytes = body.readU64()
        swapBytes = body.readU64()
        oomEvents = body.readU64()
        oomKillEvents = body.readU64()
        limitHits = body.readU64()
        pgscan = body.readOptionalU64()
        pgsteal = body.readOptionalU64()
        pressureSomeAvg10Centipercent = body.readOptionalU32()
        pressureFullAvg10Centipercent = body.readOptionalU32()
        pressureSomeTotalMicroseconds = body.readOptionalU64()
        pressureFullTotalMicroseconds = body.readOptionalU64()
    }
}
