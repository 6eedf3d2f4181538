/// Running totals of how the predictor did against the kernel's real OOM kills.
public struct KillScoreboard: Sendable, Codable, Equatable {
    public var killsSeen: UInt64 = 0
    public var killsPredicted: UInt64 = 0
    /// Recent lead times and relative ETA errors of predicted kills (bounded).
    public var leadSeconds: [Double] = []
    public var etaErrors: [Double] = []

    static let keep = 1_000

    public init() {}

    public mutating func add(_ score: AlertEvent.KillScore) {
        killsSeen += 1
        guard score.predicted else { return }
        killsPredicted += 1
        if let lead = score.leadSeconds { Self.append(lead, to: &leadSeconds) }
        if let error = score.etaErrorFraction { Self.append(error, to: &etaErrors) }
    }

    public var medianLeadSeconds: Double? { Self.median(leadSeconds) }
    public var medianEtaError: Double? { Self.median(etaErrors) }

    private static func append(_ value: Double, to values: inout [Double]) {
        values.append(value)
        if values.count > keep { values.removeFirst(values.count - keep) }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
