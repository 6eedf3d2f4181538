/// Predicts the OOM kill of one container from its cgroup memory samples.
///
/// Feed every sample to `observe(_:)`; call `assess(nowSeconds:)` as often as wanted (it returns
/// the previous assessment until a new sample arrives, so only new samples count toward
/// hysteresis). Everything is fixed-size: the history keeps about 600 bytes of heap and an
/// assessment allocates nothing on the heap. A fleet keeps one per container, so the latest
/// sample and assessment are kept packed (`PackedObservation`, `PackedAssessment`).
public struct ContainerPredictor: Sendable {
    /// The configuration and what is derived from it, shared by every predictor made with
    /// `fresh()`: a fleet keeps 100,000 predictors and the configuration alone is 168 bytes.
    private final class Settings: Sendable {
        let configuration: PredictorConfiguration
        /// Mann–Kendall critical z for `configuration.significanceLevel`, computed once.
        let zCritical: Double

        init(_ configuration: PredictorConfiguration) {
            self.configuration = configuration
            zCritical = NormalDistribution.upperQuantile(configuration.significanceLevel)
        }
    }

    private let settings: Settings
    public var configuration: PredictorConfiguration { settings.configuration }
    private var zCritical: Double { settings.zCritical }
    private var history = CompactHistory()
    private var packedObservation = PackedObservation()
    public private(set) var lastObservation: MemoryObservation? {
        get { packedObservation.observation }
        set { packedObservation = PackedObservation(newValue) }
    }
    /// Samples before this time are start-up and never enter the history.
    private var warmUpEndSeconds: Double = 0
    /// After a limit change, no trend alert before this time.
    private var limitSettledSeconds: Double = -.infinity
    private var reclaimWatch = ReclaimFailureDetector()
    private var hysteresis = AlertHysteresis()
    /// Reason of the alert currently held, shown while hysteresis keeps it up.
    private var heldReason: AlertReason = .none
    /// The latest assessment, and whether a sample came after it (then `assess` recomputes).
    private var packedAssessment = PackedAssessment()
    public private(set) var lastAssessment: Assessment? {
        get { packedAssessment.assessment }
        set { packedAssessment = PackedAssessment(newValue) }
    }
    private var assessmentIsCurrent = false

    public init(configuration: PredictorConfiguration = PredictorConfiguration()) {
        settings = Settings(configuration)
    }

    private init(settings: Settings) { self.settings = settings }

    /// A new predictor (no history) with this one's configuration, sharing its storage.
    public func fresh() -> ContainerPredictor { ContainerPredictor(settings: settings) }

    /// Heap held by this predictor's history.
    public var historyHeapBytes: Int { history.heapBytes }

    public mutating func observe(_ observation: MemoryObservation) {
        if let last = lastObservation {
            // A kill, a counter going backwards or time going backwards: a new life of the
            // container (or a new cgroup under the same name); its past says nothing now.
            if observation.oomKills > last.oomKills || observation.limitHits < last.limitHits
                || observation.timeSeconds < last.timeSeconds - 1
            {
                restart(at: observation.timeSeconds)
            } else if observation.limitBytes != last.limitBytes && configuration.limitChangeWarmUpSeconds > 0 {
                limitSettledSeconds = observation.timeSeconds + configuration.limitChangeWarmUpSeconds
            }
        } else {
            restart(at: observation.timeSeconds)
        }
        if observation.timeSeconds >= warmUpEndSeconds {
            history.record(timeSeconds: observation.timeSeconds, bytes: observation.workingSetBytes)
        }
        reclaimWatch.observe(observation, windowSeconds: configuration.atLimitWindowSeconds)
        lastObservation = observation
        assessmentIsCurrent = false
    }

    private mutating func restart(at timeSeconds: Double) {
        history.reset()
        reclaimWatch.reset()
        hysteresis.reset()
        heldReason = .none
        warmUpEndSeconds = timeSeconds + configuration.warmUpSeconds
        limitSettledSeconds = -.infinity
    }

    public mutating func assess(nowSeconds: Double) -> Assessment {
        if assessmentIsCurrent, let lastAssessment { return lastAssessment }
        guard let observation = lastObservation else {
            return Assessment(
                state: .healthy, rawState: .healthy, reason: .warmingUp, eta: nil, confidence: 0,
                slopeBytesPerSecond: 0, workingSetBytes: 0, usageBytes: 0, limitBytes: nil, headroomBytes: nil)
        }
        let workingSet = observation.workingSetBytes
        var raw: AlertState? = .healthy
        var reason = AlertReason.none
        var projection = TrendProjection.insufficient

        if let limit = observation.limitBytes {
            if nowSeconds >= warmUpEndSeconds {
                projection = TrendProjection.project(
                    history: history, notBeforeSeconds: warmUpEndSeconds, limitBytes: Double(limit),
                    currentBytes: Double(workingSet), nowSeconds: nowSeconds, zCritical: zCritical,
                    configuration: configuration)
            }
            if reclaimWatch.isFailing(observation, configuration: configuration) {
                raw = .critical
                reason = .atLimitReclaimFailing
            } else if nowSeconds < warmUpEndSeconds || projection.rawState == nil {
                raw = nowSeconds < warmUpEndSeconds ? .healthy : nil
                reason = .warmingUp
            } else if nowSeconds < limitSettledSeconds {
                raw = nil
                reason = .warmingUp
            } else {
                raw = projection.rawState
                reason = raw == .healthy ? .none : .trend
            }
        } else {
            reason = .noLimit
        }

        let previous = hysteresis.state
        let state = hysteresis.update(
            raw: raw, etaSeconds: projection.eta?.p50, configuration: configuration)
        if state > .healthy && (state != previous || heldReason == .none) && reason != .none && reason != .warmingUp {
            heldReason = reason
        }
        if state == .healthy { heldReason = .none }
        let shownReason = state > .healthy && (raw ?? .healthy) < state ? heldReason : reason

        let confidence = reason == .atLimitReclaimFailing ? configuration.atLimitConfidence : projection.confidence
        let headroom = PackedAssessment.headroom(limit: observation.limitBytes, workingSet: workingSet)
        let assessment = Assessment(
            state: state, rawState: raw ?? previous, reason: shownReason, eta: projection.eta,
            confidence: confidence, slopeBytesPerSecond: projection.slopeBytesPerSecond,
            workingSetBytes: workingSet, usageBytes: observation.usageBytes, limitBytes: observation.limitBytes,
            headroomBytes: headroom)
        lastAssessment = assessment
        assessmentIsCurrent = true
        return assessment
    }
}
