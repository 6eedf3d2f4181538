/// Alert level, ordered by severity so states compare with `<`.
public enum AlertState: Int, Sendable, Comparable, CaseIterable {
    /// No OOM expected within the warning horizon.
    case healthy = 0
    /// OOM expected within the warning horizon.
    case warning = 1
    /// OOM expected within the critical horizon, or the cgroup is already thrashing at its limit.
    case critical = 2

    public static func < (lhs: AlertState, rhs: AlertState) -> Bool { lhs.rawValue < rhs.rawValue }
}
