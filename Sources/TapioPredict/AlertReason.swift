/// Why an assessment has its state.
public enum AlertReason: String, Sendable, CaseIterable {
    /// Nothing to report.
    case none
    /// The unreclaimable working set grows toward the limit.
    case trend
    /// The charge sits at the limit, the limit keeps being hit and reclaim frees little:
    /// garbage-collected runtimes thrash like this for minutes before the kill, with a flat slope.
    case atLimitReclaimFailing
    /// Too little history since the series started or restarted to judge a trend.
    case warmingUp
    /// The cgroup has no memory limit, so there is nothing to run out of.
    case noLimit
}
