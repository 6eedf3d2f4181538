/// One record from Tapio's eBPF programs, decoded (see `KernelEventDecoder`).
///
/// Every timestamp is UNIX epoch nanoseconds (the kernel's CLOCK_BOOTTIME converted by
/// `KernelClock`). Pids are as seen from the initial PID namespace unless named `namespacePID`.
public enum KernelEvent: Sendable, Equatable {
    /// A process's resident memory moved meaningfully (kmem:rss_stat, aggregated in the kernel).
    case processRSS(ProcessRSSSample)
    /// The OOM killer picked a victim (oom:mark_victim).
    case oomKill(KernelOOMKill)
    /// A process started: a new process (fork, not a thread) or a new program (exec).
    case processStart(ProcessLifecycleEvent)
    /// A process ended: emitted once per process, when its last thread exits.
    case processExit(ProcessLifecycleEvent)
    /// Something wrote /proc/PID/oom_score_adj. Metadata only: this is not a kill.
    case oomScoreAdjUpdate(OOMScoreAdjUpdate)

    /// When the kernel recorded it, UNIX epoch nanoseconds.
    public var timestampNs: UInt64 {
        switch self {
        case .processRSS(let e): e.timestampNs
        case .oomKill(let e): e.timestampNs
        case .processStart(let e), .processExit(let e): e.timestampNs
        case .oomScoreAdjUpdate(let e): e.timestampNs
        }
    }
}
