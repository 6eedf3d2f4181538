import TapioPredict
import TapioWire

/// `/api/v1/status`: who is connected, what each stream delivered, and every container's
/// latest reading. Field names are part of the API: add, do not rename.
public struct StatusDocument: Codable, Sendable {
    public struct Stream: Codable, Sendable {
        public var epoch: UInt64
        public var connected: Bool
        public var lastApplied: UInt64
        public var framesApplied: UInt64
        public var recordsApplied: UInt64
        public var bytesApplied: UInt64
        public var duplicatesDropped: UInt64
        public var missingSequences: UInt64
        public var lostRecords: [String: UInt64]
    }

    public struct Node: Codable, Sendable {
        public var name: String
        public var connected: Bool
        public var streams: [Stream]
        public var containers: Int
        public var memTotalBytes: UInt64?
        public var memAvailableBytes: UInt64?
        public var lostRecords: [String: UInt64]
        public var state: String
        public var eta: AlertEvent.ETA?
    }

    public struct Container: Codable, Sendable {
        public var node: String
        public var cgroupId: UInt64
        public var name: String
        public var namespace: String?
        public var pod: String?
        public var container: String?
        public var workload: String?
        public var cgroupPath: String?
        public var usageBytes: UInt64?
        public var workingSetBytes: UInt64?
        public var limitBytes: UInt64?
        public var specLimitBytes: UInt64?
        public var sampledAtNs: UInt64?
        public var oomKills: UInt64
        public var topProcess: TopProcess?
        /// HEALTHY, WARNING or CRITICAL, and why.
        public var state: String
        public var reason: String
        public var eta: AlertEvent.ETA?
        public var confidence: Double?
        public var slopeBytesPerSecond: Double?
        public var alertSinceNs: UInt64?
        public var lastKill: AlertEvent.KillScore?
        public var podPhase: String?
    }

    public struct Kills: Codable, Sendable {
        public var seen: UInt64
        public var predicted: UInt64
        public var medianLeadSeconds: Double?
        public var medianEtaError: Double?
    }

    public struct Workload: Codable, Sendable {
        public var name: String
        public var state: String
    }

    public struct TopProcess: Codable, Sendable {
        public var pid: UInt32
        public var command: String?
        public var residentBytes: UInt64
    }

    public var server: String
    public var uptimeSeconds: Double
    public var pipeline: PipelineCounters
    public var journal: JournalStatus?
    public var nodes: [Node]
    public var containers: [Container]
    public var workloads: [Workload]
    public var kills: Kills

    public struct JournalStatus: Codable, Sendable {
        public var directory: String
        public var segments: Int
        public var durableIndex: UInt64
        public var error: String?
    }

    public init(core: AggregatorCore, serverName: String, includeContainers: Bool = true) {
        server = serverName
        uptimeSeconds = core.uptimeSeconds
        pipeline = core.pipelineCounters
        journal = Self.journal(core)
        let streamsByNode = Self.streamsByNode(core)
        // Node by node (see `AggregatorCore.nodeNames`), then the fleet-wide figures.
        var nodes: [Node] = []
        var containers: [Container] = []
        for name in Set(core.nodeNames()).union(streamsByNode.keys).sorted() {
            let track = core.node(name)
            nodes.append(Self.node(name, track: track, streams: streamsByNode[name] ?? []))
            guard let track, includeContainers else { continue }
            containers += Self.containers(of: track, node: name)
        }
        self.nodes = nodes
        self.containers = containers
        (workloads, kills) = Self.workloadsAndKills(core)
    }

    static func journal(_ core: AggregatorCore) -> JournalStatus? {
        core.journal.map {
            JournalStatus(directory: $0.directory, segments: $0.segmentPaths.count, durableIndex: $0.durableIndex, error: $0.stopCause?.description)
        }
    }

    static func streamsByNode(_ core: AggregatorCore) -> [String: [Stream]] {
        let ledger = core.ledger
        let connected = core.connected
        var streamsByNode: [String: [Stream]] = [:]
        for (key, stats) in ledger.streams {
            streamsByNode[key.node, default: []].append(Stream(
                epoch: key.epoch, connected: connected[key] != nil, lastApplied: stats.lastApplied,
                framesApplied: stats.framesApplied, recordsApplied: stats.recordsApplied, bytesApplied: stats.bytesApplied,
                duplicatesDropped: stats.duplicatesDropped, missingSequences: stats.missingSequences,
                lostRecords: Dictionary(uniqueKeysWithValues: stats.lostRecords.map { ("\($0.key)", $0.value) })))
        }
        return streamsByNode
    }

    static func node(_ name: String, track: NodeTrack?, streams: [Stream]) -> Node {
        let streams = streams.sorted { $0.epoch < $1.epoch }
        return Node(
            name: name, connected: streams.contains(where: \.connected), streams: streams,
            containers: track?.containers.count ?? 0, memTotalBytes: track?.latest?.memTotalBytes,
            memAvailableBytes: track?.latest?.memAvailableBytes,
            lostRecords: Dictionary(uniqueKeysWithValues: (track?.losses ?? [:]).map { ("\($0.key)", $0.value) }),
            state: ClusterState.stateName(track?.assessment?.state ?? .healthy),
            eta: track?.assessment?.eta.map(AlertEvent.ETA.init))
    }

    /// A node's containers, by cgroup id.
    static func containers(of track: NodeTrack, node name: String) -> [Container] {
        track.containers.values.sorted(by: { $0.cgroupId < $1.cgroupId }).map { container in
            let names = container.names
            let top = container.topProcess.map { TopProcess(pid: $0.pid, command: track.commands[$0.pid], residentBytes: $0.residentBytes) }
            return Container(
                node: name, cgroupId: container.cgroupId, name: container.displayName,
                namespace: names?.namespace.nonEmpty, pod: names?.podName.nonEmpty, container: names?.containerName.nonEmpty,
                workload: names?.workload.nonEmpty, cgroupPath: names?.cgroupPath.nonEmpty,
                usageBytes: container.latest?.usageBytes, workingSetBytes: container.workingSetBytes,
                limitBytes: container.latest?.effectiveLimitBytes, specLimitBytes: names?.specLimitBytes,
                sampledAtNs: container.latest == nil ? nil : container.latestAtNs, oomKills: container.oomKills,
                topProcess: top, state: ClusterState.stateName(container.state),
                reason: container.assessment?.reason.rawValue ?? "none",
                eta: container.assessment?.eta.map(AlertEvent.ETA.init),
                confidence: container.assessment.map(\.confidence), slopeBytesPerSecond: container.assessment.map(\.slopeBytesPerSecond),
                alertSinceNs: container.episode?.startedNs, lastKill: container.lastKillScore, podPhase: names?.podPhase.nonEmpty)
        }
    }

    static func workloadsAndKills(_ core: AggregatorCore) -> ([Workload], Kills) {
        core.withState { state in
            let workloads = state.workloadStates.sorted { $0.key < $1.key }.map { Workload(name: $0.key, state: ClusterState.stateName($0.value)) }
            let board = state.scoreboard
            let kills = Kills(seen: board.killsSeen, predicted: board.killsPredicted, medianLeadSeconds: board.medianLeadSeconds, medianEtaError: board.medianEtaError)
            return (workloads, kills)
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
