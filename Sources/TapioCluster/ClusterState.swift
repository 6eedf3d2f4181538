import TapioWire

/// The aggregator's picture of the fleet, built only from applied records (live or replayed
/// from the journal, which must give the same state). Not thread-safe: its owner serialises.
public struct ClusterState: Sendable {
    public private(set) var nodes: [String: NodeTrack] = [:]
    public let historyCapacity: Int
    public private(set) var recordsApplied: UInt64 = 0

    public init(historyCapacity: Int = 96) { self.historyCapacity = historyCapacity }

    public mutating func apply(node: String, records: [Record]) {
        var track = nodes.removeValue(forKey: node) ?? NodeTrack(name: node)
        for record in records { apply(record, to: &track) }
        recordsApplied &+= UInt64(records.count)
        nodes[node] = track
    }

    private func container(_ cgroupId: UInt64, in node: inout NodeTrack) -> ContainerTrack {
        node.containers[cgroupId] ?? ContainerTrack(cgroupId: cgroupId, historyCapacity: historyCapacity)
    }

    private func apply(_ record: Record, to node: inout NodeTrack) {
        let t = record.timestampNs
        switch record.body {
        case .memorySample(let sample):
            node.containers[sample.cgroupId, default: ContainerTrack(cgroupId: sample.cgroupId, historyCapacity: historyCapacity)]
                .apply(sample, atNs: t)
        case .processRSS(let rss):
            var track = container(rss.cgroupId, in: &node)
            if let top = track.topProcess, top.pid != rss.tgid, top.residentBytes > rss.residentBytes {
                // Keep the larger one.
            } else {
                track.topProcess = (rss.tgid, rss.residentBytes)
            }
            node.containers[rss.cgroupId] = track
        case .oomKill(let kill):
            var track = container(kill.cgroupId, in: &node)
            track.oomKills += 1
            track.lastKill = kill
            track.lastKillAtNs = t
            node.containers[kill.cgroupId] = track
        case .processStart(let start):
            if node.commands.count < NodeTrack.maxTrackedProcesses || node.commands[start.pid] != nil {
                node.commands[start.pid] = start.comm
            }
        case .processExit(let exit):
            node.commands.removeValue(forKey: exit.pid)
            if var track = node.containers[exit.cgroupId], track.topProcess?.pid == exit.pid {
                track.topProcess = nil
                node.containers[exit.cgroupId] = track
            }
        case .containerInfo(let info):
            var track = container(info.cgroupId, in: &node)
            track.info = info
            node.containers[info.cgroupId] = track
        case .nodeSample(let sample):
            node.latest = sample
            node.latestAtNs = t
        case .pageActivity(let activity):
            var track = container(activity.cgroupId, in: &node)
            track.pagesAllocated &+= activity.pagesAllocated
            track.pagesFreed &+= activity.pagesFreed
            node.containers[activity.cgroupId] = track
        case .lossReport(let loss):
            node.losses[loss.source, default: 0] &+= loss.lostRecords
        }
    }

    public var containerCount: Int { nodes.values.reduce(0) { $0 + $1.containers.count } }
}
