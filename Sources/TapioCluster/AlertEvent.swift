import TapioPredict

/// One thing worth telling people: a container, workload or node changing alert state, or an
/// OOM kill and how well it was predicted. The same document goes to stdout (as `message`),
/// the JSON-lines alert log, ALERT frames for tail clients and the status API.
public struct AlertEvent: Codable, Sendable, Equatable {
    public enum Subject: String, Codable, Sendable { case container, workload, node, kill }
    public enum Severity: String, Codable, Sendable, Comparable {
        case info, warning, critical
        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    /// fired (healthy → warning/critical), escalated, deescalated, cleared, updated (ETA
    /// moved a lot while the state held), killed.
    public enum Transition: String, Codable, Sendable { case fired, escalated, deescalated, cleared, updated, killed }

    /// Seconds until the OOM kill: median and 80% interval. `p90` is nil when the slowest
    /// plausible growth never reaches the limit (JSON has no infinity).
    public struct ETA: Codable, Sendable, Equatable {
        public var p10: Double
        public var p50: Double
        public var p90: Double?

        public init(p10: Double, p50: Double, p90: Double?) {
            self.p10 = p10
            self.p50 = p50
            self.p90 = p90.flatMap { $0.isFinite ? $0 : nil }
        }

        public init(_ interval: EtaInterval) {
            self.init(p10: interval.p10, p50: interval.p50, p90: interval.p90)
        }
    }

    public struct KillScore: Codable, Sendable, Equatable {
        public var pid: UInt32
        public var command: String
        public var predicted: Bool
        /// Seconds between the first warning of this episode and the kill.
        public var leadSeconds: Double?
        /// |predicted kill time − actual| / actual time left at the first warning.
        public var etaErrorFraction: Double?
    }

    public var timestampNs: UInt64
    public var subject: Subject
    public var severity: Severity
    public var state: String
    public var previousState: String
    public var transition: Transition
    public var node: String
    public var cgroupId: UInt64?
    /// "namespace/workload", a label, or a cgroup path: what people call the thing.
    public var name: String
    public var namespace: String?
    public var workload: String?
    public var pod: String?
    public var reason: String
    /// The one-line human text ("shop/api-service will OOM in 7m23s (90% confidence)").
    public var message: String
    public var eta: ETA? = nil
    public var confidence: Double? = nil
    public var usageBytes: UInt64? = nil
    public var workingSetBytes: UInt64? = nil
    public var limitBytes: UInt64? = nil
    public var slopeBytesPerSecond: Double? = nil
    public var kill: KillScore? = nil
    /// For workload alerts: how many replicas are at risk, of how many.
    public var replicasAtRisk: Int? = nil
    public var replicas: Int? = nil

    /// The line printed on stdout and by `tapio-tail` (without colour).
    public var line: String { "\(state): \(message)" }
}

extension AlertEvent {
    /// The event as ALERT frames and the alert log carry it (protocol/SPEC.md §4.7): sorted
    /// keys, no white space, absent members omitted.
    public var jsonDocument: String? { Self.documentEncoder.encode(self) }

    private static let documentEncoder = JSONEncoderBox()
}
