import NIOCore

/// Node-wide memory (kind 7): /proc/meminfo and /proc/pressure/memory.
public struct NodeSample: RecordBody {
    public static let kind = RecordKind.nodeSample
    public static let minimumBodyLength = 56

    public var memTotalBytes: UInt64
    public var memAvailableBytes: UInt64
    public var swapTotalBytes: UInt64
    public var swapFreeBytes: UInt64
    /// PSI avg10 in hundredths of a percent; nil where the kernel has no PSI.
    public var pressureSomeAvg10Centipercent: UInt32?
    public var pressureFullAvg10Centipercent: UInt32?
    public var pressureSomeTotalMicroseconds: UInt64?
    public var pressureFullTotalMicroseconds: UInt64?

    public init(
        memTotalBytes: UInt64, memAvailableBytes: UInt64, swapTotalBytes: UInt64 = 0, swapFreeBytes: UInt64 = 0,
        pressureSomeAvg10Centipercent: UInt32? = nil, pressureFullAvg10Centipercent: UInt32? = nil,
        pressureSomeTotalMicroseconds: UInt64? = nil, pressureFullTotalMicroseconds: UInt64? = nil
    ) {
        self.memTotalBytes = memTotalBytes
        self.memAvailableBytes = memAvailableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
        self.pressureSomeAvg10Centipercent = pressureSomeAvg10Centipercent
        self.pressureFullAvg10Centipercent = pressureFullAvg10Centipercent
        self.pressureSomeTotalMicroseconds = pressureSomeTotalMicroseconds
        self.pressureFullTotalMicroseconds = pressureFullTotalMicroseconds
    }

    public func encode(into fields: inout FieldWriter) {
        fields.put(memTotalBytes)
        fields.put(memAvailableBytes)
        fields.put(swapTotalBytes)
        fields.put(swapFreeBytes)
        fields.putOptional(pressureSomeAvg10Centipercent)
        fields.putOptional(pressureFullAvg10Centipercent)
        fields.putOptional(pressureSomeTotalMicroseconds)
        fields.putOptional(pressureFullTotalMicroseconds)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        memTotalBytes = body.u64()
        memAvailableBytes = body.u64()
        swapTotalBytes = body.u64()
        swapFreeBytes = body.u64()
        pressureSomeAvg10Centipercent = body.optionalU32()
        pressureFullAvg10Centipercent = body.optionalU32()
        pressureSomeTotalMicroseconds = body.optionalU64()
        pressureFullTotalMicroseconds = body.optionalU64()
    }
}
