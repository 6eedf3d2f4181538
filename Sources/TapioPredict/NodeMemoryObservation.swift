/// One node-wide memory sample (`/proc/meminfo` and `/proc/pressure/memory`).
public struct NodeMemoryObservation: Sendable, Equatable {
    public var timeSeconds: Double
    public var memTotalBytes: UInt64
    /// `MemAvailable`: the kernel's estimate of what can be allocated without swapping.
    public var memAvailableBytes: UInt64
    /// PSI `full avg10` in percent; nil when PSI is unavailable.
    public var pressureFullAvg10: Double?

    public init(
        timeSeconds: Double, memTotalBytes: UInt64, memAvailableBytes: UInt64,
        pressureFullAvg10: Double? = nil
    ) {
        self.timeSeconds = timeSeconds
        self.memTotalBytes = memTotalBytes
        self.memAvailableBytes = memAvailableBytes
        self.pressureFullAvg10 = pressureFullAvg10
    }
}
