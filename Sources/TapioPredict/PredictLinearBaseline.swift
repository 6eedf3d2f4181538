/// Baseline: a Prometheus alert rule on `predict_linear`, e.g.
///
///     predict_linear(container_memory_usage_bytes[5m], 900) >= container_spec_memory_limit_bytes
///     for: 1m
///
/// Ordinary least squares of usage over the window, evaluated at now + horizon with the
/// intercept at the evaluation time (as Prometheus does), one rule per horizon, each firing only
/// after its condition has held continuously for `forSeconds`.
public struct PredictLinearBaseline: Sendable {
    public var windowSeconds: Double
    public var forSeconds: Double
    public var warningHorizonSeconds: Double
    public var criticalHorizonSeconds: Double
    private var times: [Double] = []
    private var usages: [Double] = []
    private var oldest = 0  // samples before this index have left the window
    private var limitBytes: UInt64?
    /// When each rule's condition became true (Prometheus' "pending" state).
    private var warningPendingSince: Double?
    private var criticalPendingSince: Double?

    public init(
        windowSeconds: Double = 300, forSeconds: Double = 60, warningHorizonSeconds: Double = 15 * 60,
        criticalHorizonSeconds: Double = 2 * 60
    ) {
        self.windowSeconds = windowSeconds
        self.forSeconds = forSeconds
        self.warningHorizonSeconds = warningHorizonSeconds
        self.criticalHorizonSeconds = criticalHorizonSeconds
    }

    public mutating func observe(_ observation: MemoryObservation) {
        times.append(observation.timeSeconds)
        usages.append(Double(observation.usageBytes))
        limitBytes = observation.limitBytes
        while oldest < times.count && times[oldest] < observation.timeSeconds - windowSeconds {
            oldest += 1
        }
        // Compact now and then so memory stays bounded by the window.
        if oldest > 1024 && oldest * 2 > times.count {
            times.removeFirst(oldest)
            usages.removeFirst(oldest)
            oldest = 0
        }
    }

    /// Rules are evaluated at `nowSeconds`; call it on a steady cadence as Prometheus would.
    public mutating func assess(nowSeconds: Double) -> BaselineAssessment {
        guard let limitBytes, let fit = leastSquares(nowSeconds: nowSeconds) else {
            warningPendingSince = nil
            criticalPendingSince = nil
            return BaselineAssessment(state: .healthy, etaSeconds: nil, slopeBytesPerSecond: 0)
        }
        let limit = Double(limitBytes)
        let warningHolds = fit.valueAtNow + fit.slope * warningHorizonSeconds >= limit
        let criticalHolds = fit.valueAtNow + fit.slope * criticalHorizonSeconds >= limit
        warningPendingSince = warningHolds ? (warningPendingSince ?? nowSeconds) : nil
        criticalPendingSince = criticalHolds ? (criticalPendingSince ?? nowSeconds) : nil
        var state = AlertState.healthy
        if let since = criticalPendingSince, nowSeconds - since >= forSeconds {
            state = .critical
        } else if let since = warningPendingSince, nowSeconds - since >= forSeconds {
            state = .warning
        }
        let eta: Double? = fit.valueAtNow >= limit ? 0 : (fit.slope > 0 ? (limit - fit.valueAtNow) / fit.slope : nil)
        return BaselineAssessment(state: state, etaSeconds: eta, slopeBytesPerSecond: fit.slope)
    }

    /// Prometheus needs at least two samples in the range.
    private func leastSquares(nowSeconds: Double) -> (slope: Double, valueAtNow: Double)? {
        var n = 0.0
        var sumX = 0.0
        var sumY = 0.0
        var sumXY = 0.0
        var sumXX = 0.0
        for i in oldest..<times.count where times[i] >= nowSeconds - windowSeconds && times[i] <= nowSeconds {
            // x relative to now keeps the sums well conditioned and puts the intercept at now.
            let x = times[i] - nowSeconds
            let y = usages[i]
            n += 1
            sumX += x
            sumY += y
            sumXY += x * y
            sumXX += x * x
        }
        guard n >= 2 else { return nil }
        let denominator = n * sumXX - sumX * sumX
        guard denominator > 0 else { return nil }
        let slope = (n * sumXY - sumX * sumY) / denominator
        let intercept = (sumY - slope * sumX) / n
        return (slope, intercept)
    }
}
