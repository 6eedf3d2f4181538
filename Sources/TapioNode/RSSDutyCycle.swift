/// When the kmem:rss_stat program is attached: for the first `windowNs` of every `periodNs` of
/// the monotonic clock, or always.
///
/// Why: any program on kmem:rss_stat makes the kernel dispatch to it on every RSS counter
/// update, i.e. every page fault, and that dispatch alone costs a page-fault-heavy workload
/// about 3% on an x86 VM with retpolines (bench/node.md, the floor arm). Detached, the
/// tracepoint is a patched-out static branch that costs nothing. Every rss_stat event carries
/// the counter's absolute value, so a process that keeps changing is still reported
/// correctly once per window; what a window misses is only the intermediate values. A process
/// whose RSS changes only while detached and then stays still is reported at its next change
/// inside a window (its exit is always reported: lifecycle programs stay attached); the
/// cgroup sampler's usage figures are unaffected.
public struct RSSDutyCycle: Sendable, Equatable, CustomStringConvertible {
    public let windowNs: UInt64
    public let periodNs: UInt64

    /// Always attached: every RSS change is seen, at the full dispatch cost.
    public static let continuous = RSSDutyCycle(uncheckedWindowNs: 1_000_000_000, periodNs: 1_000_000_000)
    /// The exporter's default: 100 ms of every second, a tenth of the dispatch cost.
    public static let standard = RSSDutyCycle(uncheckedWindowNs: 100_000_000, periodNs: 1_000_000_000)

    /// Windows shorter than 10 ms would mostly be attach and detach; periods longer than a
    /// minute would leave RSS stale for longer than any prediction horizon cares to wait.
    public init(windowMilliseconds: Int, periodMilliseconds: Int) throws(BPFProbeError) {
        guard (1...60_000).contains(periodMilliseconds) else {
            throw .invalidOption("RSS period \(periodMilliseconds) ms must be between 1 and 60000 ms")
        }
        guard windowMilliseconds >= min(10, periodMilliseconds), windowMilliseconds <= periodMilliseconds else {
            throw .invalidOption("RSS window \(windowMilliseconds) ms must be at least 10 ms and at most the period (\(periodMilliseconds) ms)")
        }
        self.init(uncheckedWindowNs: UInt64(windowMilliseconds) * 1_000_000, periodNs: UInt64(periodMilliseconds) * 1_000_000)
    }

    private init(uncheckedWindowNs: UInt64, periodNs: UInt64) {
        windowNs = uncheckedWindowNs
        self.periodNs = periodNs
    }

    public var isContinuous: Bool { windowNs >= periodNs }

    /// Share of the time the program is attached.
    public var dutyFraction: Double { isContinuous ? 1 : Double(windowNs) / Double(periodNs) }

    /// Whether the program should be attached at monotonic time `nowNs`.
    public func isOpen(atNs nowNs: UInt64) -> Bool {
        isContinuous || nowNs % periodNs < windowNs
    }

    /// Nanoseconds from `nowNs` until `isOpen` next changes; nil when it never does.
    public func nanosecondsUntilChange(atNs nowNs: UInt64) -> UInt64? {
        guard !isContinuous else { return nil }
        let phase = nowNs % periodNs
        return phase < windowNs ? windowNs - phase : periodNs - phase
    }

    public var description: String {
        isContinuous ? "continuous" : "\(windowNs / 1_000_000) ms of every \(periodNs / 1_000_000) ms"
    }
}
