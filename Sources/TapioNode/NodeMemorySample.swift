/// The node's memory as a whole: /proc/meminfo and /proc/pressure/memory.
public struct NodeMemorySample: Sendable, Equatable {
    /// MemTotal, in bytes.
    public var memTotalBytes: UInt64
    /// MemAvailable, in bytes: the kernel's estimate of what can be allocated without swapping.
    public var memAvailableBytes: UInt64
    /// SwapTotal and SwapFree, in bytes (0 without swap).
    public var swapTotalBytes: UInt64
    public var swapFreeBytes: UInt64
    /// Node-wide memory PSI; nil when the kernel has no PSI (CONFIG_PSI off or psi=0).
    public var pressure: MemoryPressure?

    public init(
        memTotalBytes: UInt64, memAvailableBytes: UInt64, swapTotalBytes: UInt64, swapFreeBytes: UInt64,
        pressure: MemoryPressure?
    ) {
        self.memTotalBytes = memTotalBytes
        self.memAvailableBytes = memAvailableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
        self.pressure = pressure
    }

    static let meminfoFields = KernelFileKeyTable(["MemTotal", "MemAvailable", "SwapTotal", "SwapFree"])

    /// Parses the bytes of /proc/meminfo (and, if given, /proc/pressure/memory).
    static func parse(
        meminfo: UnsafeRawBufferPointer, pressure: MemoryPressure?
    ) throws(KernelFileProblem) -> NodeMemorySample {
        let values = try KernelFileParser.parseMeminfo(meminfo, table: meminfoFields)
        var found: [UInt64] = []
        for index in 0..<4 {
            guard let value = values[index] else { throw .missingField(meminfoFields.name(index)) }
            found.append(value)
        }
        return NodeMemorySample(
            memTotalBytes: found[0], memAvailableBytes: found[1], swapTotalBytes: found[2], swapFreeBytes: found[3],
            pressure: pressure)
    }

    /// Parses /proc/meminfo and /proc/pressure/memory given as text (tests, tools).
    public static func parse(meminfo: String, pressure: String?) throws(KernelFileProblem) -> NodeMemorySample {
        var stall: MemoryPressure?
        if let pressure {
            stall = try KernelFileParser.parsePressure(text: pressure)
        }
        return try KernelFileParser.withBytes(of: meminfo) { (bytes) throws(KernelFileProblem) in
            try parse(meminfo: bytes, pressure: stall)
        }
    }
}
