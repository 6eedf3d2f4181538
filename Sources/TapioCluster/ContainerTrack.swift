import TapioPredict
import TapioWire

/// What the aggregator knows about one memory cgroup on one node: identity, latest reading,
/// its predictor, and the alert episode it is in. Kept small: fleets track 100k of these.
public struct ContainerTrack: Sendable {
    public var cgroupId: UInt64
    public var info: ContainerInfo?
    public var latest: MemorySample?
    public var latestAtNs: UInt64 = 0
    public var predictor: ContainerPredictor
    public var assessment: Assessment?
    public var episode: AlertEpisode?
    /// The process with the largest resident memory seen last in this cgroup.
    public var topProcess: (pid: UInt32, residentBytes: UInt64)?
    public var oomKills: UInt64 = 0
    public var lastKill: OOMKill?
    public var lastKillAtNs: UInt64 = 0
    public var lastKillScore: AlertEvent.KillScore?
    public var pagesAllocated: UInt64 = 0
    public var pagesFreed: UInt64 = 0

    public init(cgroupId: UInt64, configuration: PredictorConfiguration) {
        self.cgroupId = cgroupId
        predictor = ContainerPredictor(configuration: configuration)
    }

    /// Usage minus inactive page cache: what reclaim cannot easily give back.
    public var workingSetBytes: UInt64? {
        latest.map { $0.usageBytes > $0.inactiveFileBytes ? $0.usageBytes - $0.inactiveFileBytes : 0 }
    }

    public var state: AlertState { assessment?.state ?? .healthy }

    /// A name for people: namespace/workload for pods, else the resolver's label, else the id.
    public var displayName: String {
        if let info {
            if !info.namespace.isEmpty, !info.workload.isEmpty { return "\(info.namespace)/\(info.workload)" }
            if !info.namespace.isEmpty, !info.podName.isEmpty { return "\(info.namespace)/\(info.podName)" }
            if !info.label.isEmpty { return info.label }
            if !info.cgroupPath.isEmpty { return info.cgroupPath }
        }
        return "cgroup-\(cgroupId)"
    }

    /// "namespace/workload" when the container belongs to one, for cluster-wide grouping.
    public var workloadKey: String? {
        guard let info, !info.workload.isEmpty else { return nil }
        return info.namespace.isEmpty ? info.workload : "\(info.namespace)/\(info.workload)"
    }
}
