import TapioPredict
import TapioWire

/// The aggregator's picture of the fleet, built only from applied records (live or replayed
/// from a journal or dump, which must give the same state and the same alerts): per node and
/// container the latest readings, a predictor per container and node, alert episodes, workload
/// groups across nodes, and the score against real OOM kills. Time is the records' own time,
/// never the wall clock, so a replay is deterministic. Not thread-safe: its owner serialises.
public struct ClusterState: Sendable {
    public private(set) var nodes: [String: NodeTrack] = [:]
    public let configuration: PredictorConfiguration
    public private(set) var recordsApplied: UInt64 = 0
    public private(set) var scoreboard = KillScoreboard()
    /// Per workload ("namespace/workload"): the state last announced for the group.
    public private(set) var workloadStates: [String: AlertState] = [:]
    /// Where each workload's replicas live (node, cgroup), to evaluate groups across nodes.
    private var workloadMembers: [String: Set<ContainerKey>] = [:]
    /// Text that repeats across containers' names, kept once.
    private var interner = NameInterner()

    public struct ContainerKey: Hashable, Sendable {
        public var node: String
        public var cgroupId: UInt64
    }

    /// Every container's predictor is made from this one, sharing its configuration.
    private let predictorTemplate: ContainerPredictor

    public init(configuration: PredictorConfiguration = PredictorConfiguration()) {
        self.configuration = configuration
        predictorTemplate = ContainerPredictor(configuration: configuration)
    }

    /// Applies one node's records in order; returns the alerts they caused.
    @discardableResult
    public mutating func apply(node: String, records: [Record]) -> [AlertEvent] {
        var track = nodes.removeValue(forKey: node) ?? NodeTrack(name: node, configuration: configuration)
        var events: [AlertEvent] = []
        var touchedWorkloads: Set<String> = []
        for record in records { apply(record, node: &track, events: &events, touched: &touchedWorkloads) }
        recordsApplied &+= UInt64(records.count)
        nodes[node] = track
        for workload in touchedWorkloads.sorted() {
            if let event = evaluateWorkload(workload) { events.append(event) }
        }
        return events
    }

    public var containerCount: Int { nodes.values.reduce(0) { $0 + $1.containers.count } }

    // MARK: records

    private mutating func apply(_ record: Record, node: inout NodeTrack, events: inout [AlertEvent], touched: inout Set<String>) {
        let t = record.timestampNs
        switch record.body {
        case .memorySample(let sample):
            let nodeName = node.name
            Self.modify(sample.cgroupId, in: &node, template: predictorTemplate) { track in
                let before = track.state
                track.latest = ContainerTrack.Reading(sample)
                track.latestAtNs = t
                track.predictor.observe(Self.observation(sample, atNs: t))
                let assessment = track.predictor.assess(nowSeconds: Self.seconds(t))
                if let event = Self.transition(&track, from: before, to: assessment, node: nodeName, atNs: t) {
                    events.append(event)
                    if let workload = track.workloadKey { touched.insert(workload) }
                }
            }
        case .processRSS(let rss):
            // Mutated in place: a track is large (it holds its predictor), copies are not free.
            Self.modify(rss.cgroupId, in: &node, template: predictorTemplate) { track in
                if let top = track.topProcess, top.pid != rss.tgid, top.residentBytes > rss.residentBytes {
                    return  // the larger process stays the top one
                }
                track.topProcess = (rss.tgid, rss.residentBytes)
            }
        case .oomKill(let kill):
            var track = container(kill.cgroupId, in: &node)
            events.append(score(kill, track: &track, node: node.name, atNs: t))
            if let workload = track.workloadKey { touched.insert(workload) }
            node.containers[kill.cgroupId] = track
        case .processStart(let start):
            node.commands.started(pid: start.pid, command: start.comm)
        case .processExit(let exit):
            node.commands.exited(pid: exit.pid)
            if var track = node.containers[exit.cgroupId], track.topProcess?.pid == exit.pid {
                track.topProcess = nil
                node.containers[exit.cgroupId] = track
            }
        case .containerInfo(let info):
            var track = container(info.cgroupId, in: &node)
            if let old = track.workloadKey { workloadMembers[old]?.remove(ContainerKey(node: node.name, cgroupId: info.cgroupId)) }
            track.setNames(info, interner: &interner)
            if let workload = track.workloadKey {
                workloadMembers[workload, default: []].insert(ContainerKey(node: node.name, cgroupId: info.cgroupId))
            }
            node.containers[info.cgroupId] = track
        case .nodeSample(let sample):
            node.latest = sample
            node.latestAtNs = t
            node.predictor.observe(NodeMemoryObservation(
                timeSeconds: Self.seconds(t), memTotalBytes: sample.memTotalBytes, memAvailableBytes: sample.memAvailableBytes,
                pressureFullAvg10: sample.pressureFullAvg10Centipercent.map { Double($0) / 100 }))
            let assessment = node.predictor.assess(nowSeconds: Self.seconds(t))
            if let event = nodeTransition(&node, to: assessment, atNs: t) { events.append(event) }
            node.assessment = assessment
        case .pageActivity(let activity):
            // Page traffic is not shown anywhere, so its counts are not kept; the record still
            // makes its container known, as every per-cgroup record does.
            Self.modify(activity.cgroupId, in: &node, template: predictorTemplate) { _ in }
        case .lossReport(let loss):
            node.losses[loss.source, default: 0] &+= loss.lostRecords
        }
    }

    private func container(_ cgroupId: UInt64, in node: inout NodeTrack) -> ContainerTrack {
        node.containers[cgroupId] ?? ContainerTrack(cgroupId: cgroupId, predictor: predictorTemplate.fresh())
    }

    /// Runs `body` on the container's track inside the dictionary's storage (no copy). Static,
    /// as is everything its callers' closures call: a closure that captured `self` in a
    /// mutating method made Swift copy the whole state (a retain of every field) per record.
    private static func modify(_ cgroupId: UInt64, in node: inout NodeTrack, template: ContainerPredictor, _ body: (inout ContainerTrack) -> Void) {
        body(&node.containers[cgroupId, default: ContainerTrack(cgroupId: cgroupId, predictor: template.fresh())])
    }

    static func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }

    static func observation(_ sample: MemorySample, atNs t: UInt64) -> MemoryObservation {
        MemoryObservation(
            timeSeconds: seconds(t), usageBytes: sample.usageBytes, reclaimableBytes: sample.inactiveFileBytes,
            limitBytes: sample.effectiveLimitBytes, limitHits: sample.limitHits, reclaimScanned: sample.pgscan,
            reclaimReclaimed: sample.pgsteal, oomKills: sample.oomKillEvents,
            pressureFullAvg10: sample.pressureFullAvg10Centipercent.map { Double($0) / 100 })
    }

    // MARK: container alerts

    /// An event when the alert state changes (fired, escalated, deescalated, cleared).
    private static func transition(_ track: inout ContainerTrack, from before: AlertState, to assessment: Assessment, node: String, atNs t: UInt64) -> AlertEvent? {
        let after = assessment.state
        guard before != after else { return nil }
        let transition: AlertEvent.Transition
        if before == .healthy {
            transition = .fired
            track.episode = AlertEpisode(
                startedNs: t, predictedKillNs: assessment.eta.map { t + UInt64(max(0, $0.p50) * 1e9) }, peak: Self.severity(after))
        } else if after == .healthy {
            transition = .cleared
            track.episode = nil
        } else {
            transition = after > before ? .escalated : .deescalated
            if var episode = track.episode {
                episode.peak = max(episode.peak, Self.severity(after))
                if episode.predictedKillNs == nil, let eta = assessment.eta {
                    episode.predictedKillNs = t + UInt64(max(0, eta.p50) * 1e9)
                }
                track.episode = episode
            }
        }
        var event = Self.containerEvent(track, assessment: assessment, node: node, atNs: t)
        event.transition = transition
        event.previousState = Self.stateName(before)
        if after == .healthy {
            event.message = "\(track.displayName) no longer expected to OOM"
        }
        return event
    }

    static func containerEvent(_ track: ContainerTrack, assessment: Assessment, node: String, atNs t: UInt64) -> AlertEvent {
        let names = track.names
        return AlertEvent(
            timestampNs: t, subject: .container, severity: Self.severity(assessment.state), state: Self.stateName(assessment.state),
            previousState: Self.stateName(track.state), transition: .updated, node: node, cgroupId: track.cgroupId,
            name: track.displayName, namespace: names?.namespace.nonEmpty, workload: names?.workload.nonEmpty, pod: names?.podName.nonEmpty,
            reason: assessment.reason.rawValue, message: Self.message(name: track.displayName, assessment: assessment),
            eta: assessment.eta.map(AlertEvent.ETA.init),
            confidence: assessment.confidence, usageBytes: assessment.usageBytes, workingSetBytes: assessment.workingSetBytes,
            limitBytes: assessment.limitBytes, slopeBytesPerSecond: assessment.slopeBytesPerSecond)
    }

    static func message(name: String, assessment: Assessment) -> String {
        switch assessment.reason {
        case .atLimitReclaimFailing:
            let limit = assessment.limitBytes.map { " of \(HumanFormat.bytes($0))" } ?? ""
            return "\(name) at limit, reclaim failing (\(HumanFormat.bytes(assessment.usageBytes))\(limit) in use)"
        default:
            guard let eta = assessment.eta else { return "\(name) is healthy" }
            return "\(name) will OOM in \(HumanFormat.duration(seconds: eta.p50)) (\(HumanFormat.percent(assessment.confidence)) confidence)"
        }
    }

    /// Scores a real OOM kill against the container's alert episode, then starts the
    /// container afresh (it restarts with a new process and memory).
    private mutating func score(_ kill: OOMKill, track: inout ContainerTrack, node: String, atNs t: UInt64) -> AlertEvent {
        let episode = track.episode
        let lead = episode.map { Double(t &- $0.startedNs) / 1e9 }
        var etaError: Double?
        if let episode, let predicted = episode.predictedKillNs, let lead, lead > 0 {
            etaError = abs(Double(Int64(bitPattern: predicted &- t))) / 1e9 / lead
        }
        let score = AlertEvent.KillScore(
            pid: kill.pid, command: kill.comm, predicted: episode != nil, leadSeconds: lead, etaErrorFraction: etaError)
        scoreboard.add(score)
        track.oomKills += 1
        track.lastKill = ContainerTrack.LastKill(kill: kill, atNs: t, score: score)
        let verdict: String
        if let lead {
            let error = etaError.map { ", ETA off by \(HumanFormat.percent($0))" } ?? ""
            verdict = "predicted \(HumanFormat.duration(seconds: lead)) ahead\(error)"
        } else {
            verdict = "NOT predicted"
        }
        let names = track.names
        let event = AlertEvent(
            timestampNs: t, subject: .kill, severity: .critical, state: "OOM KILL", previousState: Self.stateName(track.state),
            transition: .killed, node: node, cgroupId: track.cgroupId, name: track.displayName,
            namespace: names?.namespace.nonEmpty, workload: names?.workload.nonEmpty, pod: names?.podName.nonEmpty,
            reason: "oom-kill",
            message: "\(track.displayName): \(kill.comm) (pid \(kill.pid)) killed by the OOM killer; \(verdict)",
            usageBytes: track.latest?.usageBytes, workingSetBytes: track.workingSetBytes, limitBytes: track.latest?.effectiveLimitBytes,
            kill: score)
        track.episode = nil
        track.predictor = track.predictor.fresh()
        return event
    }

    // MARK: workloads and nodes

    /// A group alert when the worst state among a workload's replicas (across nodes) changes:
    /// "3/4 replicas of shop/api growing ~18Mi/min; first OOM in 6m".
    private mutating func evaluateWorkload(_ workload: String) -> AlertEvent? {
        let members = (workloadMembers[workload] ?? []).compactMap { key in nodes[key.node]?.containers[key.cgroupId].map { (key, $0) } }
        guard members.count > 1 else { return nil }  // a single replica is its own alert
        let atRisk = members.filter { $0.1.state > .healthy }
        let worst = members.map(\.1.state).max() ?? .healthy
        let before = workloadStates[workload] ?? .healthy
        guard worst != before else { return nil }
        workloadStates[workload] = worst
        let slopes = atRisk.compactMap { $0.1.assessment?.slopeBytesPerSecond }.filter { $0 > 0 }
        let slope = KillScoreboard.median(slopes)
        let firstETA = atRisk.compactMap { $0.1.assessment?.eta?.p50 }.min()
        var message = "\(atRisk.count)/\(members.count) replicas of \(workload)"
        if let slope { message += " growing ~\(HumanFormat.rate(bytesPerSecond: slope))" }
        if let firstETA { message += "; first OOM in \(HumanFormat.duration(seconds: firstETA))" }
        if worst == .healthy { message = "\(workload): no replica expected to OOM (\(members.count) replicas)" }
        let latest = members.map(\.1.latestAtNs).max() ?? 0
        let parts = workload.split(separator: "/", maxSplits: 1).map(String.init)
        return AlertEvent(
            timestampNs: latest, subject: .workload, severity: Self.severity(worst), state: Self.stateName(worst),
            previousState: Self.stateName(before), transition: Self.transition(from: before, to: worst),
            node: Set(atRisk.map(\.0.node)).sorted().joined(separator: ","), cgroupId: nil, name: workload,
            namespace: parts.count == 2 ? parts[0] : nil, workload: parts.last, pod: nil, reason: "workload",
            message: message, eta: firstETA.map { AlertEvent.ETA(p10: $0, p50: $0, p90: $0) },
            slopeBytesPerSecond: slope, replicasAtRisk: atRisk.count, replicas: members.count)
    }

    private func nodeTransition(_ node: inout NodeTrack, to assessment: Assessment, atNs t: UInt64) -> AlertEvent? {
        let before = node.assessment?.state ?? .healthy
        guard assessment.state != before else { return nil }
        let message: String
        if assessment.state == .healthy {
            message = "node \(node.name) memory no longer expected to run out"
        } else if let eta = assessment.eta {
            message = "node \(node.name) memory will run out in \(HumanFormat.duration(seconds: eta.p50)) (\(HumanFormat.percent(assessment.confidence)) confidence)"
        } else {
            message = "node \(node.name) memory exhausted, reclaim failing"
        }
        return AlertEvent(
            timestampNs: t, subject: .node, severity: Self.severity(assessment.state), state: Self.stateName(assessment.state),
            previousState: Self.stateName(before), transition: Self.transition(from: before, to: assessment.state), node: node.name,
            cgroupId: nil, name: node.name, namespace: nil, workload: nil, pod: nil, reason: assessment.reason.rawValue, message: message,
            eta: assessment.eta.map(AlertEvent.ETA.init), confidence: assessment.confidence,
            usageBytes: assessment.usageBytes, workingSetBytes: assessment.workingSetBytes, limitBytes: assessment.limitBytes,
            slopeBytesPerSecond: assessment.slopeBytesPerSecond)
    }

    static func transition(from before: AlertState, to after: AlertState) -> AlertEvent.Transition {
        if before == .healthy { return .fired }
        if after == .healthy { return .cleared }
        return after > before ? .escalated : .deescalated
    }

    static func severity(_ state: AlertState) -> AlertEvent.Severity {
        switch state {
        case .healthy: .info
        case .warning: .warning
        case .critical: .critical
        }
    }

    static func stateName(_ state: AlertState) -> String {
        switch state {
        case .healthy: "HEALTHY"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        }
    }
}
