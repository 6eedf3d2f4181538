import TapioWire

/// What the aggregator knows about one memory cgroup on one node.
public struct ContainerTrack: Sendable {
    public var cgroupId: UInt64
    public var info: ContainerInfo?
    public var latest: MemorySample?
    public var latestAtNs: UInt64 = 0
    public var history: SampleRing
    /// The process with the largest resident memory seen last in this cgroup.
    public var topProcess: (pid: UInt32, residentBytes: UInt64)?
    public var oomKills: UInt64 = 0
    public var lastKill: OOMKill?
    public var lastKillAtNs: UInt64 = 0
    public var pagesAllocated: UInt64 = 0
    public var pagesFreed: UInt64 = 0

    public init(cgroupId: UInt64, historyCapacity: Int) {
        self.cgroupId = cgroupId
        history = SampleRing(capacity: historyCapacity)
    }

    public mutating func apply(_ sample: MemorySample, atNs timestampNs: UInt64) {
        latest = sample
        latestAtNs = timestampNs
        let workingSet = sample.usageBytes > sample.inactiveFileBytes ? sample.usageBytes - sample.inactiveFileBytes : 0
        history.append(.init(timestampNs: timestampNs, usageBytes: sample.usageBytes, workingSetBytes: workingSet))
    }

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
}
