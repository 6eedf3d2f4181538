/// Turns per-evaluation states into an alert state that does not flap: it rises only after
/// repeated agreement and falls only when the ETA has moved well past the horizon or the trend
/// has been gone for a while.
public struct AlertHysteresis: Sendable, Equatable {
    public private(set) var state: AlertState = .healthy
    private var raiseTarget: AlertState = .healthy
    /// Streaks never pass the configured counts (each resets on reaching its count), so 32 bits
    /// are plenty, and they make this 16 bytes instead of 40 in every container's predictor.
    private var raiseStreak: Int32 = 0
    private var etaClearStreak: Int32 = 0
    private var vanishedStreak: Int32 = 0

    public init() {}

    public mutating func reset() {
        self = AlertHysteresis()
    }

    /// Feeds one evaluation. `raw` nil means "cannot judge now" (e.g. just after a level shift)
    /// and changes nothing. `etaSeconds` is the median ETA, nil when there is no growing trend.
    @discardableResult
    public mutating func update(
        raw: AlertState?, etaSeconds: Double?, configuration: PredictorConfiguration
    ) -> AlertState {
        guard let raw else { return state }
        if raw > state {
            etaClearStreak = 0
            vanishedStreak = 0
            raiseTarget = raiseStreak == 0 ? raw : min(raiseTarget, raw)
            raiseStreak += 1
            if raiseStreak >= configuration.fireAfterEvaluations {
                state = raiseTarget
                raiseStreak = 0
            }
            return state
        }
        raiseStreak = 0
        guard raw < state else {
            etaClearStreak = 0
            vanishedStreak = 0
            return state
        }
        let horizon = state == .critical
            ? configuration.criticalHorizonSeconds : configuration.warningHorizonSeconds
        if let etaSeconds {
            vanishedStreak = 0
            // Between the horizon and its multiple the alert holds: that band is the hysteresis.
            etaClearStreak = etaSeconds > configuration.clearEtaMultiple * horizon ? etaClearStreak + 1 : 0
        } else {
            etaClearStreak = 0
            vanishedStreak += 1
        }
        if etaClearStreak >= configuration.fireAfterEvaluations
            || vanishedStreak >= configuration.clearAfterEvaluations
        {
            state = raw
            etaClearStreak = 0
            vanishedStreak = 0
        }
        return state
    }
}
