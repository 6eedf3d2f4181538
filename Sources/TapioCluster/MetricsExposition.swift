import TapioWire

/// The aggregator's /metrics as Prometheus text, made in pieces of about 64 KiB
/// (`HTTPBodyPieces`): first the pipeline, journal, stream and kill-score figures, then the
/// containers node by node, then the nodes' own figures. At 20,000 containers the whole text is
/// about 19 MB; built at once, each scrape held that and more on the heap. Nodes are read one
/// at a time (`AggregatorCore.nodeNames`, `node(_:)`), each as of when its turn comes.
final class MetricsExposition: HTTPBodyPieces {
    private enum Phase {
        case fleet
        case containers(nodes: [String], next: Int)
        case nodes
        case done
    }

    private let core: AggregatorCore
    private var out = PrometheusText()
    private var phase = Phase.fleet
    private var nodeFigures: [(name: String, available: UInt64?, state: Int)] = []

    init(core: AggregatorCore) { self.core = core }

    func next() -> String? {
        while true {
            switch phase {
            case .fleet:
                writeFleetFigures()
                writeContainerFamilies()
                phase = .containers(nodes: core.nodeNames(), next: 0)
            case .containers(let nodes, var index):
                while index < nodes.count, out.text.utf8.count < Self.pieceBytes {
                    writeContainers(ofNode: nodes[index])
                    index += 1
                }
                phase = index < nodes.count ? .containers(nodes: nodes, next: index) : .nodes
            case .nodes:
                writeNodeFigures()
                phase = .done
            case .done:
                break
            }
            let finished: Bool
            if case .done = phase { finished = true } else { finished = false }
            if finished || out.text.utf8.count >= Self.pieceBytes {
                let piece = out.takeText()
                // An empty piece would end an HTTP/1.1 chunked body: only text is returned.
                if !piece.isEmpty { return piece }
                if finished { return nil }
            }
        }
    }

    private func writeFleetFigures() {
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
    }

    private func writeContainerFamilies() {
        out.family("tapio_container_memory_usage_bytes", .gauge, help: "Memory cgroup charge (usage) per container.")
        out.family("tapio_container_memory_working_set_bytes", .gauge, help: "Usage minus inactive page cache per container.")
        out.family("tapio_container_memory_limit_bytes", .gauge, help: "Effective memory limit per container (minimum over ancestors).")
        out.family("tapio_container_memory_growth_bytes_per_second", .gauge, help: "Robust growth of the working set (0 without a significant trend).")
        out.family("tapio_container_oom_eta_seconds", .gauge, help: "Predicted time until the working set reaches the limit (median), when growing.")
        out.family("tapio_container_oom_confidence", .gauge, help: "Probability (0-1) of reaching the limit within the warning horizon.")
        out.family("tapio_container_alert_state", .gauge, help: "0 healthy, 1 warning, 2 critical.")
        out.family("tapio_container_oom_kills_total", .counter, help: "OOM kills seen per container.")
    }

    private func writeContainers(ofNode node: String) {
        guard let track = core.node(node) else { return }
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

    private func writeNodeFigures() {
        out.family("tapio_node_memory_available_bytes", .gauge, help: "MemAvailable per node.")
        out.family("tapio_node_alert_state", .gauge, help: "0 healthy, 1 warning, 2 critical (node memory exhaustion).")
        for node in nodeFigures {
            if let available = node.available { out.sample("tapio_node_memory_available_bytes", [("node", node.name)], available) }
            out.sample("tapio_node_alert_state", [("node", node.name)], node.state)
        }
    }
}
