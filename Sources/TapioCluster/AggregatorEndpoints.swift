import Foundation
import TapioWire

/// The aggregator's HTTP routes: `/healthz`, `/api/v1/status` (JSON) and `/metrics`
/// (Prometheus text).
public struct AggregatorEndpoints: Sendable {
    public let core: AggregatorCore
    public let serverName: String

    public init(core: AggregatorCore, serverName: String) {
        self.core = core
        self.serverName = serverName
    }

    /// `query` may say `containers=false` for the status without its per-container list
    /// (cheap to poll on a large fleet).
    public func route(method: String, path: String, query: String = "") -> HTTPResponse {
        switch path {
        case "/healthz":
            if let failure = core.journal?.stopCause {
                return .text("journal stopped: \(failure)\n", status: 503)
            }
            return .text("ok\n")
        case "/api/v1/status":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let containers = !query.split(separator: "&").contains("containers=false")
            guard let body = try? encoder.encode(StatusDocument(core: core, serverName: serverName, includeContainers: containers)) else {
                return .text("cannot encode status\n", status: 500)
            }
            return .json(Array(body))
        case "/metrics":
            return .prometheus(metrics())
        default:
            return .text("not found: \(path) (try /healthz, /api/v1/status, /metrics)\n", status: 404)
        }
    }

    public func metrics() -> String {
        var out = PrometheusText()
        let queue = core.applyQueue  // before the counters, which apply the queue first
        let c = core.pipelineCounters
        out.metric("tapio_apply_queue_records", .gauge, help: "Records journaled (and acknowledged) but not yet applied to the fleet state.", queue.records)
        out.metric("tapio_apply_backpressure_total", .counter, help: "Times the apply queue was full and a connection applied it before reading more.", queue.backpressureStalls)
        out.metric("tapio_apply_catch_ups_total", .counter, help: "Times the applier fell half way to the queue bound and left its low priority to catch up.", queue.catchUps)
        out.metric("tapio_frames_received_total", .counter, help: "Frames received on all connections.", c.framesReceived)
        out.metric("tapio_batches_applied_total", .counter, help: "BATCH frames applied (exactly once).", c.batchesApplied)
        out.metric("tapio_batches_duplicate_total", .counter, help: "BATCH frames dropped as already applied (resends).", c.duplicateBatches)
        out.metric("tapio_records_applied_total", .counter, help: "Records applied to the fleet state.", c.recordsApplied)
        out.metric("tapio_received_bytes_total", .counter, help: "Frame bytes received.", c.wireBytesReceived)
        out.metric("tapio_connections_open", .gauge, help: "Connections open now.", c.connectionsOpen)
        out.metric("tapio_connections_accepted_total", .counter, help: "Connections accepted.", c.connectionsAccepted)
        out.metric("tapio_connections_rejected_total", .counter, help: "Connections refused at the connection limit.", c.connectionsRejected)
        out.metric("tapio_auth_failures_total", .counter, help: "Handshakes whose proof did not match the token.", c.authFailures)
        out.metric("tapio_decode_errors_total", .counter, help: "Connections closed for a malformed frame or payload.", c.decodeErrors)
        out.metric("tapio_handshake_timeouts_total", .counter, help: "Connections closed for not authenticating in time.", c.handshakeTimeouts)
        out.metric("tapio_idle_timeouts_total", .counter, help: "Connections closed for silence past the idle timeout.", c.idleTimeouts)
        out.metric("tapio_journal_errors_total", .counter, help: "Journal write or fsync failures.", c.journalErrors)
        if let heap = HeapUsage.current() {
            out.family("tapio_heap_bytes", .gauge, help: "Process heap (glibc malloc): in_use is allocated, free is held by the allocator (fragmentation, once trimmed).")
            out.sample("tapio_heap_bytes", [("state", "in_use")], heap.inUseBytes)
            out.sample("tapio_heap_bytes", [("state", "free")], heap.freeBytes)
        }
        let latencies = core.latencies
        latencies.ackDelay.write("tapio_ack_delay_seconds", help: "From receiving a BATCH to sending the ACK that covers it (journaled and fsynced).", to: &out)
        latencies.eventLoopTicks.write("tapio_event_loop_tick_seconds", help: "Duration of the event loops' task runs (SwiftNIO ticks: the tasks of one loop iteration, such as the ACK writes after a commit; reading and decoding frames is not included); a long run delays every connection on its loop.", to: &out)
        if let journal = core.journal {
            out.metric("tapio_journal_segments", .gauge, help: "Journal segment files on disk.", journal.segmentPaths.count)
            out.metric("tapio_journal_commits_total", .counter, help: "Group commits (fsyncs) of the journal; each releases the ACKs of every frame appended before it.", core.journalCommits)
            core.journalCommitDurations.write("tapio_journal_commit_seconds", help: "Duration of each group commit (write and fsync); a frame appended during one waits for the next.", to: &out)
        }
        let ledger = core.ledger
        out.family("tapio_stream_last_applied_sequence", .gauge, help: "Highest BATCH sequence applied per exporter stream.")
        out.family("tapio_stream_records_applied_total", .counter, help: "Records applied per exporter stream.")
        out.family("tapio_stream_lost_records_total", .counter, help: "Records the exporter reported lost, by where.")
        for (key, stats) in ledger.streams.sorted(by: { $0.key < $1.key }) {
            let labels = [("node", key.node), ("epoch", String(key.epoch))]
            out.sample("tapio_stream_last_applied_sequence", labels, stats.lastApplied)
            out.sample("tapio_stream_records_applied_total", labels, stats.recordsApplied)
            for (source, lost) in stats.lostRecords.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                out.sample("tapio_stream_lost_records_total", labels + [("source", "\(source)")], lost)
            }
        }
        out.metric("tapio_alerts_total", .counter, help: "Alert events emitted (state changes and scored kills).", c.alerts)
        out.metric("tapio_tail_subscribers", .gauge, help: "Tail clients subscribed to alerts.", core.subscribers.count)
        let board = core.withState { $0.scoreboard }
        out.metric("tapio_oom_kills_seen_total", .counter, help: "OOM kills reported by the nodes' kernels.", board.killsSeen)
        out.metric("tapio_oom_kills_predicted_total", .counter, help: "OOM kills that came during a warning about that container.", board.killsPredicted)
        if let lead = board.medianLeadSeconds {
            out.family("tapio_oom_kill_lead_seconds_median", .gauge, help: "Median warning lead time of predicted kills.")
            out.sample("tapio_oom_kill_lead_seconds_median", [], lead)
        }
        out.family("tapio_container_memory_usage_bytes", .gauge, help: "Memory cgroup charge (usage) per container.")
        out.family("tapio_container_memory_working_set_bytes", .gauge, help: "Usage minus inactive page cache per container.")
        out.family("tapio_container_memory_limit_bytes", .gauge, help: "Effective memory limit per container (minimum over ancestors).")
        out.family("tapio_container_memory_growth_bytes_per_second", .gauge, help: "Robust growth of the working set (0 without a significant trend).")
        out.family("tapio_container_oom_eta_seconds", .gauge, help: "Predicted time until the working set reaches the limit (median), when growing.")
        out.family("tapio_container_oom_confidence", .gauge, help: "Probability (0-1) of reaching the limit within the warning horizon.")
        out.family("tapio_container_alert_state", .gauge, help: "0 healthy, 1 warning, 2 critical.")
        out.family("tapio_container_oom_kills_total", .counter, help: "OOM kills seen per container.")
        // Node by node (see `AggregatorCore.nodeNames`); the node figures follow the containers.
        var nodeFigures: [(name: String, available: UInt64?, state: Int)] = []
        for node in core.nodeNames() {
            guard let track = core.node(node) else { continue }
            for container in track.containers.values.sorted(by: { $0.cgroupId < $1.cgroupId }) {
                let labels = [("node", node), ("container", container.displayName), ("cgroup_id", String(container.cgroupId))]
                if let latest = container.latest {
                    out.sample("tapio_container_memory_usage_bytes", labels, latest.usageBytes)
                    if let workingSet = container.workingSetBytes { out.sample("tapio_container_memory_working_set_bytes", labels, workingSet) }
                    if let limit = latest.effectiveLimitBytes { out.sample("tapio_container_memory_limit_bytes", labels, limit) }
                }
                if let assessment = container.assessment {
                    out.sample("tapio_container_memory_growth_bytes_per_second", labels, assessment.slopeBytesPerSecond)
                    if let eta = assessment.eta { out.sample("tapio_container_oom_eta_seconds", labels, eta.p50) }
                    out.sample("tapio_container_oom_confidence", labels, assessment.confidence)
                }
                out.sample("tapio_container_alert_state", labels, container.state.rawValue)
                out.sample("tapio_container_oom_kills_total", labels, container.oomKills)
            }
            nodeFigures.append((node, track.latest?.memAvailableBytes, track.assessment?.state.rawValue ?? 0))
        }
        out.family("tapio_node_memory_available_bytes", .gauge, help: "MemAvailable per node.")
        out.family("tapio_node_alert_state", .gauge, help: "0 healthy, 1 warning, 2 critical (node memory exhaustion).")
        for node in nodeFigures {
            if let available = node.available { out.sample("tapio_node_memory_available_bytes", [("node", node.name)], available) }
            out.sample("tapio_node_alert_state", [("node", node.name)], node.state)
        }
        return out.text
    }
}
