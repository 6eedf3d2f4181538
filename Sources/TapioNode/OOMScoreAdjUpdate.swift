/// A write to /proc/PID/oom_score_adj (container runtimes do this at start). Not a kill.
public struct OOMScoreAdjUpdate: Sendable, Equatable {
    public var timestampNs: UInt64
    public var pid: Int32
    public var tgid: Int32
    public var comm: String
    public var cgroupID: UInt64
    /// The new value, -1000 (never kill) ... 1000 (kill first).
    public var oomScoreAdj: Int32

    public init(
        timestampNs: UInt64, pid: Int32, tgid: Int32, comm: String, cgroupID: UInt64,
        oomScoreAdj: Int32
    ) {
        self.timestampNs = timestampNs
        self.pid = pid
        self.tgid = tgid
        self.comm = comm
        self.cgroupID = cgroupID
        self.oomScoreAdj = oomScoreAdj
    }
}
