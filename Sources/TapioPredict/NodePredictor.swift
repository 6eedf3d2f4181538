/// Predicts node memory exhaustion: when `MemAvailable` falls to the configured reserve.
///
/// The same trend method as containers, on used = MemTotal − MemAvailable against the limit
/// MemTotal − reserve. Sustained full pressure near exhaustion is reported like a cgroup at its
/// limit, since the kernel then thrashes before the global OOM killer picks a victim.
public struct NodePredictor: Sendable {
    public let configuration: PredictorConfiguration
    private let zCritical: Double
    private var history = CompactHistory()
    public private(set) var lastObservation: NodeMemoryObservation?
    private var warmUpEndSeconds: Double = 0
    private var hysteresis = AlertHysteresis()
    private var cachedAssessment: Assessment?

    public init(configuration: PredictorConfiguration = PredictorConfiguration()) {
        self.configuration = configuration
        zCritical = NormalDistribution.upperQuantile(configuration.significanceLevel)
    }

    public mutating func observe(_ observation: NodeMemoryObservation) {
        if lastObservation == nil || observation.timeSeconds < lastObservation!.timeSeconds - 1
            || observation.memTotalBytes != lastObservation!.memTotalBytes
        {
            history.reset()
            hysteresis.reset()
            warmUpEndSeconds = observation.timeSeconds + configuration.warmUpSeconds
        }
        if observation.timeSeconds >= warmUpEndSeconds {
            history.record(timeSeconds: observation.timeSeconds, bytes: Self.usedBytes(observation))
        }
        lastObservation = observation
        cachedAssessment = nil
    }

    private static func usedBytes(_ observation: NodeMemoryObservation) -> UInt64 {
        observation.memTotalBytes > observation.memAvailableBytes
            ? observation.memTotalBytes - observation.memAvailableBytes : 0
    }

    /// `usageBytes` and `workingSetBytes` are MemTotal − MemAvailable; `limitBytes` is MemTotal
    /// minus the reserve.
    public mutating func assess(nowSeconds: Double) -> Assessment {
        if let cachedAssessment { return cachedAssessment }
        guard let observation = lastObservation else {
            return Assessment(
                state: .healthy, rawState: .healthy, reason: .warmingUp, eta: nil, confidence: 0,
                slopeBytesPerSecond: 0, workingSetBytes: 0, usageBytes: 0, limitBytes: nil, headroomBytes: nil)
        }
        let used = Self.usedBytes(observation)
        let reserve = min(configuration.nodeReserveBytes, observation.memTotalBytes)
        let limit = observation.memTotalBytes - reserve
        var raw: AlertState? = .healthy
        var reason = AlertReason.none
        var projection = TrendProjection.insufficient
        let exhausted = used >= limit
            && (observation.pressureFullAvg10 ?? configuration.atLimitPressureFullPercent)
                >= configuration.atLimitPressureFullPercent
        if nowSeconds >= warmUpEndSeconds {
            projection = TrendProjection.project(
                history: history, notBeforeSeconds: warmUpEndSeconds, limitBytes: Double(limit),
                currentBytes: Double(used), nowSeconds: nowSeconds, zCritical: zCritical,
                configuration: configuration)
        }
        if exhausted {
            raw = .critical
            reason = .atLimitReclaimFailing
        } else if nowSeconds < warmUpEndSeconds || projection.rawState == nil {
            raw = nowSeconds < warmUpEndSeconds ? .healthy : nil
            reason = .warmingUp
        } else {
            raw = projection.rawState
            reason = raw == .healthy ? .none : .trend
        }
        let previous = hysteresis.state
        let state = hysteresis.update(raw: raw, etaSeconds: projection.eta?.p50, configuration: configuration)
        let assessment = Assessment(
            state: state, rawState: raw ?? previous, reason: state > .healthy && reason == .none ? .trend : reason,
            eta: projection.eta,
            confidence: exhausted ? configuration.atLimitConfidence : projection.confidence,
            slopeBytesPerSecond: projection.slopeBytesPerSecond, workingSetBytes: used, usageBytes: used,
            limitBytes: limit, headroomBytes: limit > used ? limit - used : 0)
        cachedAssessment = assessment
        return assessment
    }
}
