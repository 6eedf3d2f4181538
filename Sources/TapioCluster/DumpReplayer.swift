import TapioPredict
import TapioWire

/// Feeds recorded frames (exporter `--record` dumps, aggregator journal segments) through the
/// same state and predictor as the live aggregator and collects the alerts. Deterministic: the
/// state runs on the records' own timestamps, so the same dumps always give the same alerts.
/// Each BATCH belongs to the stream named by the AUTH marker before it; a BATCH seen twice
/// (the same dump given twice, a journal and a recording of the same run) is applied once.
public struct DumpReplayer: Sendable {
    public struct Summary: Codable, Sendable, Equatable {
        public var dumps = 0
        public var frames = 0
        public var batches = 0
        public var duplicateBatches = 0
        public var records = 0
        public var recordsOutsideRange = 0
        public var nodes = 0
        public var containers = 0
        public var alerts = 0
        public var killsSeen: UInt64 = 0
        public var killsPredicted: UInt64 = 0
        public var medianLeadSeconds: Double?
        /// Dumps that stopped early: file, byte offset and reason.
        public var damaged: [String] = []
    }

    public private(set) var state: ClusterState
    public private(set) var summary = Summary()
    private var ledger = StreamLedger()
    private let fromNs: UInt64?
    private let toNs: UInt64?

    public init(configuration: PredictorConfiguration, fromNs: UInt64? = nil, toNs: UInt64? = nil) {
        state = ClusterState(configuration: configuration)
        self.fromNs = fromNs
        self.toNs = toNs
    }

    /// Replays one dump; `onBatch` sees each applied batch's last timestamp (for pacing and
    /// progress) and `onAlert` every alert, in order.
    public mutating func replay(
        path: String, onBatch: (_ lastTimestampNs: UInt64, _ bytesRead: Int) -> Void = { _, _ in },
        onAlert: (AlertEvent) -> Void
    ) throws {
        let reader = try DumpReader(path: path)
        summary.dumps += 1
        var stream = StreamKey(node: Self.defaultNode(path), epoch: 0)
        var offset = DumpFileHeader.size
        while let frame = reader.next() {
            summary.frames += 1
            defer { offset += frame.header.frameSize }
            let message: Message
            do {
                message = try Message(frame: frame)
            } catch {
                summary.damaged.append("\(path): frame at byte \(offset): \(error)")
                break
            }
            switch message {
            case .auth(let auth):
                stream = StreamKey(node: auth.nodeName, epoch: auth.streamEpoch)
            case .batch(let sequence, let batch):
                if case .duplicate = ledger.admit(stream, sequence: sequence) {
                    summary.duplicateBatches += 1
                    continue
                }
                ledger.recordApplied(stream, header: frame.header, batch: batch)
                summary.batches += 1
                let records = batch.records.filter { inRange($0.timestampNs) }
                summary.recordsOutsideRange += batch.records.count - records.count
                guard !records.isEmpty else { continue }
                summary.records += records.count
                for event in state.apply(node: stream.node, records: records) {
                    summary.alerts += 1
                    onAlert(event)
                }
                onBatch(records.map(\.timestampNs).max() ?? 0, reader.validLength)
            default:
                break  // checkpoints (ACK), heartbeats: nothing to apply
            }
        }
        if let failure = reader.failure { summary.damaged.append("\(path): \(failure)") }
        summary.nodes = state.nodes.count
        summary.containers = state.containerCount
        summary.killsSeen = state.scoreboard.killsSeen
        summary.killsPredicted = state.scoreboard.killsPredicted
        summary.medianLeadSeconds = state.scoreboard.medianLeadSeconds
    }

    private func inRange(_ t: UInt64) -> Bool {
        if let fromNs, t < fromNs { return false }
        if let toNs, t > toNs { return false }
        return true
    }

    /// Frames before any stream marker (older recordings) are named after the file.
    static func defaultNode(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".tpio") ? String(file.dropLast(5)) : file
    }
}
