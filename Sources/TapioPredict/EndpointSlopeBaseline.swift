/// Baseline: Tapio's original design. The slope between the first and the last of the last 10
/// usage samples; WARNING when usage + slope × warning horizon reaches the limit, CRITICAL with
/// the critical horizon. No warm-up, no significance test, no hysteresis, page cache included:
/// it is kept only to be measured against.
public struct EndpointSlopeBaseline: Sendable {
    public var sampleCount: Int
    public var warningHorizonSeconds: Double
    public var criticalHorizonSeconds: Double
    private var times: [Double] = []
    private var usages: [Double] = []
    private var limitBytes: UInt64?

    public init(sampleCount: Int = 10, warningHorizonSeconds: Double = 15 * 60, criticalHorizonSeconds: Double = 2 * 60) {
        precondition(sampleCount >= 2)
        self.sampleCount = sampleCount
        self.warningHorizonSeconds = warningHorizonSeconds
        self.criticalHorizonSeconds = criticalHorizonSeconds
    }

    public mutating func observe(_ observation: MemoryObservation) {
        if times.count == sampleCount {
            times.removeFirst()
            usages.removeFirst()
        }
        times.append(observation.timeSeconds)
        usages.append(Double(observation.usageBytes))
        limitBytes = observation.limitBytes
    }

    public func assess(nowSeconds: Double) -> BaselineAssessment {
        guard let limitBytes, times.count >= 2, times[times.count - 1] > times[0] else {
            return BaselineAssessment(state: .healthy, etaSeconds: nil, slopeBytesPerSecond: 0)
        }
        let limit = Double(limitBytes)
        let usage = usages[usages.count - 1]
        let slope = (usage - usages[0]) / (times[times.count - 1] - times[0])
        var state = AlertState.healthy
        if usage + slope * criticalHorizonSeconds >= limit {
            state = .critical
        } else if usage + slope * warningHorizonSeconds >= limit {
            state = .warning
        }
        let eta: Double? = usage >= limit ? 0 : (slope > 0 ? (limit - usage) / slope : nil)
        return BaselineAssessment(state: state, etaSeconds: eta, slopeBytesPerSecond: slope)
    }
}
