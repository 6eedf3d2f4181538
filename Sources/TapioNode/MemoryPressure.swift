/// Memory pressure stall information (PSI) for the node (/proc/pressure/memory) or one cgroup
/// (v2 memory.pressure). "some": at least one task stalled on memory; "full": all non-idle
/// tasks stalled at once (the kernel always writes it for memory; nil only if a file lacks it).
public struct MemoryPressure: Sendable, Equatable {
    public var some: PressureStall
    public var full: PressureStall?

    public init(some: PressureStall, full: PressureStall?) {
        self.some = some
        self.full = full
    }
}
