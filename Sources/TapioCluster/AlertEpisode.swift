/// One stretch of a container (or workload, or node) being at risk: from the first warning
/// until it clears or the kill comes. Kills are scored against it.
public struct AlertEpisode: Sendable, Equatable {
    public var startedNs: UInt64
    /// When the first warning expected the kill (start + ETA p50); nil for at-limit alerts
    /// that carry no ETA.
    public var predictedKillNs: UInt64?
    public var peak: AlertEvent.Severity

    public init(startedNs: UInt64, predictedKillNs: UInt64?, peak: AlertEvent.Severity) {
        self.startedNs = startedNs
        self.predictedKillNs = predictedKillNs
        self.peak = peak
    }
}
