#if canImport(Glibc)
import Glibc
#endif

/// Converts the kernel's CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns) to UNIX epoch
/// nanoseconds. Pure once built; `current()` samples both clocks.
public struct KernelClock: Sendable, Equatable {
    /// CLOCK_REALTIME - CLOCK_BOOTTIME, nanoseconds.
    public var realtimeMinusBoottimeNs: Int64

    public init(realtimeMinusBoottimeNs: Int64) {
        self.realtimeMinusBoottimeNs = realtimeMinusBoottimeNs
    }

    public func epochNanoseconds(fromBoottime boottimeNs: UInt64) -> UInt64 {
        let value = Int64(bitPattern: boottimeNs) &+ realtimeMinusBoottimeNs
        return value < 0 ? 0 : UInt64(value)
    }

    /// Samples the offset now (boottime read between two realtime reads, midpoint taken).
    public static func current() -> KernelClock {
        func read(_ clock: clockid_t) -> Int64 {
            var ts = timespec()
            clock_gettime(clock, &ts)
            return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        }
        let real1 = read(CLOCK_REALTIME)
        let boot = read(CLOCK_BOOTTIME)
        let real2 = read(CLOCK_REALTIME)
        return KernelClock(realtimeMinusBoottimeNs: real1 + (real2 - real1) / 2 - boot)
    }
}
