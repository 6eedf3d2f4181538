/// Tunables of `ContainerPredictor` and `NodePredictor`. The defaults are the shipped behaviour.
public struct PredictorConfiguration: Sendable, Equatable {
    /// WARNING when the limit is expected within this many seconds.
    public var warningHorizonSeconds: Double = 15 * 60
    /// CRITICAL when the limit is expected within this many seconds.
    public var criticalHorizonSeconds: Double = 2 * 60
    /// Samples of a new series (or after a restart) are ignored this long: start-up spikes are
    /// not leaks.
    public var warmUpSeconds: Double = 60
    /// Warm-up after a limit change. The working-set history stays valid under a new limit, so
    /// by default the new limit is applied at once (a lowered limit warns sooner).
    public var limitChangeWarmUpSeconds: Double = 0
    /// A trend needs at least this much post-warm-up history.
    public var minimumTrendSpanSeconds: Double = 25
    /// The trend is fitted to the lower envelope over this window: garbage-collector sawtooth
    /// with a period up to it reads as its troughs. Longer means later detection of a new leak.
    public var envelopeWindowSeconds: Double = 30
    /// One-sided Mann–Kendall significance level: noise must not read as a trend.
    public var significanceLevel: Double = 0.01
    /// Minimum confidence for a trend to raise WARNING or CRITICAL.
    public var minimumConfidence: Double = 0.5
    /// Consecutive agreeing evaluations before an alert fires or escalates.
    public var fireAfterEvaluations: Int = 3
    /// An alert clears when the ETA is later than this multiple of its horizon...
    public var clearEtaMultiple: Double = 1.5
    /// ...or the trend has vanished, for this many consecutive evaluations.
    public var clearAfterEvaluations: Int = 10
    /// Scale of the leak-duration prior (Lomax, shape 1): a trend seen for `A` seconds keeps
    /// going for `τ` more with probability (A + scale) / (A + scale + τ).
    public var leakPersistenceScaleSeconds: Double = 600
    /// A level jump larger than this fraction of the limit counts as a step (change point).
    public var stepFractionOfLimit: Double = 0.03
    /// At the limit: the charge is within this fraction of the limit...
    public var atLimitUsageFraction: Double = 0.97
    /// ...and the working set is at least this fraction of it (otherwise reclaim has room).
    public var atLimitWorkingSetFraction: Double = 0.90
    /// Without reclaim counters (cgroup v1) the working set must be this close instead.
    public var atLimitWorkingSetFractionWithoutReclaimStats: Double = 0.95
    /// Reclaim is failing when fewer than this fraction of scanned pages are reclaimed...
    public var reclaimFailingEfficiency: Double = 0.3
    /// ...or memory pressure (PSI full avg10, percent) is at least this.
    public var atLimitPressureFullPercent: Double = 10
    /// Window over which limit hits and reclaim counters must rise.
    public var atLimitWindowSeconds: Double = 30
    /// Confidence reported for the at-limit state (not a trend projection, so not calibrated by
    /// the trend model; a judgment that such thrashing usually ends in a kill).
    public var atLimitConfidence: Double = 0.8
    /// Node predictor: MemAvailable below this reserve counts as exhausted.
    public var nodeReserveBytes: UInt64 = 64 << 20

    public init() {}
}
