import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TapioPredict
import TapioWire

/// The aggregator's heart: exactly-once admission (through the journal's ledger), the
/// journal's group commit, and the fleet state. Connections call `ingest` from their event
/// loops; one committer thread fsyncs the journal and releases acknowledgements.
public final class AggregatorCore: AggregatorSessionHost, @unchecked Sendable {
    public let journal: Journal?
    private let logSink: @Sendable (String) -> Void
    /// Where alerts go (stdout, alert log, ...); the tail subscribers are always included.
    private let sinks: [any AlertSink]
    private let startedAt = Date()

    private let stateLock = NIOLock()
    private var state: ClusterState  // guarded by stateLock
    /// Dedup without a journal (in-process `tapio check`); guarded by stateLock.
    private var memoryLedger = StreamLedger()
    private var connectedStreams: [StreamKey: Int] = [:]  // guarded by stateLock

    private let counters = NIOLockedValueBox(PipelineCounters())
    /// Latency figures for /metrics, each behind a lock of its own (they are fed per ACK and
    /// per event-loop tick, and must not contend with the counters).
    private let ackDelays = NIOLockedValueBox(LatencyHistogram())
    private let ticks = NIOLockedValueBox(LatencyHistogram())
    /// Group commit: fsyncs the journal while there are appends and releases acknowledgements.
    private let committer: JournalCommitter?
    /// Applies journaled batches to the state off the event loops (nil without a journal:
    /// then batches are applied where they arrive, under the lock that dedups them).
    private var applier: StateApplier?
    /// One ACK outbox per event loop, made on first use (see `ackOutbox(on:)`).
    private let outboxes = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<AckOutbox>]>([:])

    /// Opens the journal in `journalDirectory` (nil: no durability, acks immediately) and
    /// rebuilds the state from it before any connection is served.
    public init(journalDirectory: String?, journalConfiguration: JournalConfiguration = JournalConfiguration(), predictorConfiguration: PredictorConfiguration = PredictorConfiguration(), sinks: [any AlertSink] = [], log: @escaping @Sendable (String) -> Void) throws {
        logSink = log
        let hub = SubscriberHub()
        subscribers = hub
        self.sinks = sinks + [hub]
        var rebuilt = ClusterState(configuration: predictorConfiguration)
        if let journalDirectory {
            let journal = try Journal(directory: journalDirectory, configuration: journalConfiguration) { stream, frame in
                guard case .batch(_, let batch) = try Message(frame: frame) else { return }
                // Alerts of the past are not announced again: the replay only rebuilds state.
                rebuilt.apply(node: stream.node, records: batch.records)
            }
            let summary = journal.replaySummary
            for issue in summary.issues { log("journal: \(issue)") }
            if summary.batches > 0 {
                log("journal: rebuilt state from \(summary.batches) batches (\(summary.records) records) of \(summary.ledger.streams.count) streams in \(summary.segments.count) segment(s)")
            }
            self.journal = journal
            committer = JournalCommitter(journal: journal)
        } else {
            journal = nil
            committer = nil
        }
        state = rebuilt
        if journalDirectory != nil {
            applier = StateApplier(
                maxQueuedRecords: Self.maxQueuedRecords,
                apply: { [unowned self] item in deliver(stateLock.withLock { state.apply(node: item.node, records: item.records) }) },
                applied: { [unowned self] batches, records in
                    count { $0.batchesApplied += UInt64(batches); $0.recordsApplied += UInt64(records) }
                })
        }
        committer?.start()
        applier?.start()
    }

    /// Records journaled but not yet applied before connections must wait (backpressure):
    /// 200 ms of a 1,000-node fleet at a million records a second, ~30 MB of decoded records
    /// at most (the periodic heap trim returns it after a burst). Past it a loop applies a
    /// share of the queue per frame (see StateApplier). 50,000 made the loops apply the whole
    /// queue ~11 times a second at 1M records/s, each time holding every ACK of their
    /// connections behind tens of milliseconds of prediction.
    public static let maxQueuedRecords = 200_000

    /// Applies what is queued, stops the committer and closes the journal after a last commit.
    public func shutdown() {
        applier?.stop()
        committer?.stop()
        if let journal { try? journal.close() }
    }

    // MARK: AggregatorSessionHost

    public func resumeSequence(for stream: StreamKey) throws -> UInt64 {
        guard let journal else { return stateLock.withLock { memoryLedger.lastApplied(stream) } }
        // Whatever has been applied must be durable before the exporter may forget it.
        try journal.commit()
        return journal.lastApplied(stream)
    }

    public func ingest(stream: StreamKey, frame: WireFrame, batch: RecordBatch) -> BatchAdmission {
        if let journal {
            let appended: JournalAppend
            do {
                appended = try journal.append(stream: stream, frame: frame, batch: batch)
            } catch {
                count { $0.journalErrors += 1 }
                return .failed("journal write failed: \(error)")
            }
            switch appended {
            case .appended(let index):
                committer?.appended()
                applier?.enqueue(StateApplier.Item(node: stream.node, records: batch.records))
                return .applied(journalIndex: index)
            case .duplicate(_, let index):
                count { $0.duplicateBatches += 1 }
                return .duplicate(journalIndex: index)
            }
        }
        let (admission, events) = stateLock.withLock { () -> (StreamLedger.Admission, [AlertEvent]) in
            let admission = memoryLedger.admit(stream, sequence: frame.header.sequence)
            guard case .apply = admission else { return (admission, []) }
            memoryLedger.recordApplied(stream, header: frame.header, batch: batch)
            return (admission, state.apply(node: stream.node, records: batch.records))
        }
        switch admission {
        case .apply:
            deliver(events)
            count { $0.batchesApplied += 1; $0.recordsApplied += UInt64(batch.records.count) }
            return .applied(journalIndex: 0)
        case .duplicate:
            count { $0.duplicateBatches += 1 }
            return .duplicate(journalIndex: 0)
        }
    }

    /// Group commits (fsyncs) the journal has made.
    public var journalCommits: UInt64 { committer?.commitCount ?? 0 }
    /// How long each group commit (write and fsync) took.
    public var journalCommitDurations: LatencyHistogram { committer?.commitDurations ?? LatencyHistogram() }

    public func ackOutbox(on eventLoop: any EventLoop) -> AckOutbox {
        eventLoop.preconditionInEventLoop()
        let key = ObjectIdentifier(eventLoop)
        if let bound = outboxes.withLockedValue({ $0[key] }) { return bound.value }
        let committer = committer
        let outbox = AckOutbox(eventLoop: eventLoop) {
            guard let committer else { return .success(.max) }  // no journal: nothing to wait for
            return committer.durableOutcome.mapError { $0 }
        }
        let bound = NIOLoopBound(outbox, eventLoop: eventLoop)
        outboxes.withLockedValue { $0[key] = bound }
        // After every commit, one task per loop flushes its outbox (the reads in between
        // flush it too: see AckOutbox).
        let waiting = outbox.waiting
        _ = committer?.addListener { outcome in
            guard waiting.withLockedValue({ $0 }) else { return }
            eventLoop.execute { bound.value.flush(outcome.mapError { $0 }) }
        }
        return outbox
    }

    public func count(_ update: (inout PipelineCounters) -> Void) {
        counters.withLockedValue { update(&$0) }
    }

    public func log(_ line: String) { logSink(line) }

    public func ackSent(afterSeconds seconds: Double) {
        ackDelays.withLockedValue { $0.observe(seconds: seconds) }
    }

    /// An event loop's tick (SwiftNIO runs the iteration's tasks; socket reads are not in it) took `seconds`.
    public func eventLoopTicked(seconds: Double) {
        ticks.withLockedValue { $0.observe(seconds: seconds) }
    }

    /// BATCH received → its ACK sent, and the event loops' ticks.
    public var latencies: (ackDelay: LatencyHistogram, eventLoopTicks: LatencyHistogram) {
        (ackDelays.withLockedValue { $0 }, ticks.withLockedValue { $0 })
    }

    public let subscribers: SubscriberHub

    public func subscribe(channel: any Channel, filter: Subscribe) {
        subscribers.subscribe(channel: channel, filter: filter)
        log("tail subscribed from \(channel.remoteAddress.map { "\($0)" } ?? "?")")
    }

    public func sessionStarted(_ stream: StreamKey) {
        stateLock.withLock { connectedStreams[stream, default: 0] += 1 }
    }

    public func sessionEnded(_ stream: StreamKey) {
        stateLock.withLock { () -> Void in
            connectedStreams[stream, default: 1] -= 1
            if connectedStreams[stream] == 0 { connectedStreams.removeValue(forKey: stream) }
        }
    }

    // MARK: State

    /// Applies records straight to the state, without streams or dedup (the in-process
    /// `tapio check`, replays of dumps).
    public func apply(node: String, records: [Record]) {
        deliver(stateLock.withLock { state.apply(node: node, records: records) })
        count { $0.recordsApplied += UInt64(records.count) }
    }

    /// Records journaled and waiting to be applied, how often a full queue made a connection
    /// wait for the state to catch up, and how often the applier fell behind and took the
    /// event loops' priority (read without catching up).
    public var applyQueue: (records: Int, backpressureStalls: UInt64, catchUps: UInt64) {
        (applier?.queuedRecords ?? 0, applier?.backpressureStalls ?? 0, applier?.catchUps ?? 0)
    }

    /// Applies every batch journaled so far (readers call this first, so that what they read
    /// includes everything acknowledged).
    public func catchUp() {
        applier?.drain()
    }

    /// Hands alerts to every sink, outside the state lock.
    private func deliver(_ events: [AlertEvent]) {
        guard !events.isEmpty else { return }
        count { $0.alerts += UInt64(events.count) }
        for event in events {
            for sink in sinks { sink.deliver(event) }
        }
    }

    /// Runs `body` with the state locked (readers: status, metrics, the predictor), once
    /// every batch journaled before the call is applied.
    public func withState<T>(_ body: (ClusterState) throws -> T) rethrows -> T {
        catchUp()
        return try stateLock.withLock { try body(state) }
    }

    /// The nodes' names, sorted, once every batch journaled before the call is applied. With
    /// `node(_:)`, for readers of the whole fleet (status, metrics): they take the state lock
    /// once per node, never for the whole of a large fleet (rendering /metrics for 20,000
    /// containers takes half a second, during which batches could not be applied).
    public func nodeNames() -> [String] {
        catchUp()
        return stateLock.withLock { state.nodes.keys.sorted() }
    }

    /// One node's track: a copy, sharing storage with the state until either changes.
    public func node(_ name: String) -> NodeTrack? {
        stateLock.withLock { state.nodes[name] }
    }

    /// The counters, once every batch journaled before the call is applied.
    public var pipelineCounters: PipelineCounters {
        catchUp()
        return counters.withLockedValue { $0 }
    }

    public var ledger: StreamLedger {
        journal?.currentLedger ?? stateLock.withLock { memoryLedger }
    }

    public var connected: [StreamKey: Int] { stateLock.withLock { connectedStreams } }

    public var uptimeSeconds: Double { Date().timeIntervalSince(startedAt) }
}
