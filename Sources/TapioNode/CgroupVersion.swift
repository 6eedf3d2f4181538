/// Which cgroup memory interface a hierarchy speaks.
public enum CgroupVersion: String, Sendable, Equatable, CustomStringConvertible {
    /// Legacy per-controller hierarchy, e.g. /sys/fs/cgroup/memory (memory.usage_in_bytes, ...).
    case v1
    /// Unified hierarchy, e.g. /sys/fs/cgroup (memory.current, memory.max, ...).
    case v2

    public var description: String { rawValue }
}
