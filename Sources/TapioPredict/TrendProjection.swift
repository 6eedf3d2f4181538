/// Projects a history toward a limit: which trend to believe, when it reaches the limit, and how
/// likely that is within the warning horizon. Shared by container and node predictors.
public struct TrendProjection: Sendable, Equatable {
    /// The state this evaluation alone suggests; nil when the history cannot be judged yet
    /// (too short, or just after a level shift).
    public var rawState: AlertState?
    /// The fit that was believed, if any.
    public var fit: TrendFit?
    /// True when the trend grows and Mann–Kendall rejects "no trend".
    public var isSignificant: Bool
    public var eta: EtaInterval?
    public var confidence: Double
    /// The significant slope, else 0.
    public var slopeBytesPerSecond: Double

    /// Points (and seconds) a fit needs before it may be believed.
    static let minimumPoints = 6
    /// Recent window compared with the long one to notice that a trend stopped or sped up.
    static let recentWindowSeconds: Double = 120

    static let insufficient = TrendProjection(
        rawState: nil, fit: nil, isSignificant: false, eta: nil, confidence: 0, slopeBytesPerSecond: 0)

    /// - Parameters:
    ///   - zCritical: Mann–Kendall one-sided critical z for the configured significance level.
    ///   - currentBytes: the latest sample, which may sit above the envelope.
    static func project(
        history: CompactHistory, notBeforeSeconds: Double, limitBytes: Double, currentBytes: Double,
        nowSeconds: Double, zCritical: Double, configuration: PredictorConfiguration
    ) -> TrendProjection {
        let capacity = CompactHistory.maximumPointCount
        return withUnsafeTemporaryAllocation(of: EnvelopePoint.self, capacity: 2 * capacity) { buffer in
            let raw = UnsafeMutableBufferPointer(rebasing: buffer[0..<capacity])
            let envelope = UnsafeMutableBufferPointer(rebasing: buffer[capacity...])
            let count = history.copyPoints(into: raw, notBeforeSeconds: notBeforeSeconds)
            guard count > 0 else { return .insufficient }
            let rawPoints = UnsafeBufferPointer(rebasing: raw[0..<count])
            let envelopeCount = LowerEnvelope.reduce(
                rawPoints, into: envelope, windowSeconds: configuration.envelopeWindowSeconds)
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: TrendFit.scratchCount) { scratch in
                project(
                    raw: rawPoints, envelope: UnsafeBufferPointer(rebasing: envelope[0..<envelopeCount]),
                    scratch: scratch, limitBytes: limitBytes, currentBytes: currentBytes, nowSeconds: nowSeconds,
                    zCritical: zCritical, configuration: configuration)
            }
        }
    }

    private static func project(
        raw: UnsafeBufferPointer<EnvelopePoint>, envelope all: UnsafeBufferPointer<EnvelopePoint>,
        scratch: UnsafeMutableBufferPointer<Double>, limitBytes: Double, currentBytes: Double,
        nowSeconds: Double, zCritical: Double, configuration: PredictorConfiguration
    ) -> TrendProjection {
        guard hasEnoughHistory(raw, configuration), all.count >= minimumPoints else { return .insufficient }
        // Steps smaller than the usual spread within a bucket (noise, sawtooth) are not steps.
        for i in 0..<raw.count { scratch[i] = raw[i].highBytes - raw[i].lowBytes }
        let typicalRange = OrderStatistics.median(scratch, in: 0..<raw.count)
        let shifts = LevelShiftDetector.detect(
            all, scratch: scratch,
            minimumStepBytes: max(configuration.stepFractionOfLimit * limitBytes, typicalRange))
        let segment = UnsafeBufferPointer(rebasing: all[shifts.fitStart...])
        guard segment.count >= minimumPoints,
            nowSeconds - segment[0].timeSeconds >= configuration.minimumTrendSpanSeconds,
            var fit = TrendFit.fit(segment, scratch: scratch, anchorSeconds: nowSeconds)
        else { return .insufficient }

        // A stopped or accelerating trend shows first in the recent window. A staircase's recent
        // window is a plateau by nature, so there the long-run rate stands.
        if !shifts.isStaircase {
            let recentFrom = max(nowSeconds - recentWindowSeconds, segment[0].timeSeconds)
            // Stopped: judged on all recent bucket lows, since the envelope thins out to a few
            // points on a flat series. Only a clearly flatter recent slope counts.
            let recentRaw = suffix(raw, from: recentFrom)
            if recentRaw.count >= 12, fit.spanSeconds >= 2 * recentWindowSeconds,
                let recentFit = TrendFit.fit(recentRaw, scratch: scratch, anchorSeconds: nowSeconds),
                recentFit.mannKendallZ < zCritical, fit.slope > recentFit.slopeHigh
            {
                fit = recentFit
            } else {
                // Accelerated: a new, faster leak on top of an old trend. Judged on the envelope,
                // at a stricter level because this is a second test.
                let recent = suffix(segment, from: recentFrom)
                if recent.count >= 8, fit.spanSeconds >= 1.5 * (recent[recent.count - 1].timeSeconds - recent[0].timeSeconds),
                    let recentFit = TrendFit.fit(recent, scratch: scratch, anchorSeconds: nowSeconds),
                    recentFit.mannKendallZ >= zCritical + 0.5, recentFit.slopeLow > fit.slope
                {
                    fit = recentFit
                }
            }
        }

        let significant = fit.slope > 0 && fit.mannKendallZ >= zCritical
        guard significant else {
            return TrendProjection(
                rawState: .healthy, fit: fit, isSignificant: false, eta: nil, confidence: 0, slopeBytesPerSecond: 0)
        }
        // The limit is hit by the peaks (sawtooth crests, noise), not by the envelope.
        var excursion = 0.0
        let segmentStart = segment[0].timeSeconds
        for point in raw where point.highTimeSeconds >= max(nowSeconds - recentWindowSeconds, segmentStart) {
            excursion = max(excursion, point.highBytes - fit.envelope(atSeconds: point.highTimeSeconds))
        }
        let peakNow = max(currentBytes, fit.envelope(atSeconds: nowSeconds) + excursion)
        let headroom = max(limitBytes - peakNow, 0)
        let eta = EtaInterval(
            p10: headroom / max(fit.slopeHigh, fit.slope),
            p50: headroom / fit.slope,
            p90: fit.slopeLow > 0 ? headroom / fit.slopeLow : .infinity)
        // How long the growth has been going: the window may include a flat stretch before the
        // leak began, which must not count as evidence that it persists.
        var lowest = Double.infinity
        for point in segment { lowest = min(lowest, point.lowBytes) }
        let grown = fit.envelope(atSeconds: nowSeconds) - lowest
        let trendAge = min(max(grown / fit.slope, 0), nowSeconds - segment[0].timeSeconds)
        let confidence = confidenceOfReaching(
            headroom: headroom, fit: fit, trendAgeSeconds: trendAge, etaSeconds: eta.p50,
            configuration: configuration)

        var raw = AlertState.healthy
        if confidence >= configuration.minimumConfidence {
            if eta.p50 <= configuration.criticalHorizonSeconds {
                raw = .critical
            } else if eta.p50 <= configuration.warningHorizonSeconds {
                raw = .warning
            }
        }
        return TrendProjection(
            rawState: raw, fit: fit, isSignificant: true, eta: eta, confidence: confidence,
            slopeBytesPerSecond: fit.slope)
    }

    /// The points from `timeSeconds` on.
    private static func suffix(_ points: UnsafeBufferPointer<EnvelopePoint>, from timeSeconds: Double) -> UnsafeBufferPointer<EnvelopePoint> {
        var start = points.count
        while start > 0 && points[start - 1].timeSeconds >= timeSeconds { start -= 1 }
        return UnsafeBufferPointer(rebasing: points[start...])
    }

    private static func hasEnoughHistory(
        _ points: UnsafeBufferPointer<EnvelopePoint>, _ configuration: PredictorConfiguration
    ) -> Bool {
        points.count >= minimumPoints
            && points[points.count - 1].timeSeconds - points[0].timeSeconds >= configuration.minimumTrendSpanSeconds
    }

    /// P(limit reached within the warning horizon) = P(true slope ≥ headroom / horizon) ×
    /// P(the trend lasts another ETA). The slope is taken as normal around the Theil–Sen estimate
    /// with the spread of Sen's interval (at least 5 % of the slope, for model error the interval
    /// cannot see). Persistence follows a Lomax (Pareto II, shape 1) prior on how long leaks run:
    /// a trend seen for A seconds lasts τ more with probability (A + s) / (A + s + τ).
    static func confidenceOfReaching(
        headroom: Double, fit: TrendFit, trendAgeSeconds: Double, etaSeconds: Double,
        configuration: PredictorConfiguration
    ) -> Double {
        let horizon = configuration.warningHorizonSeconds
        let sigma = max((fit.slopeHigh - fit.slopeLow) / (2 * TrendFit.z80), 0.05 * abs(fit.slope), 1e-9)
        let neededSlope = headroom / horizon
        let reach = NormalDistribution.cumulative((fit.slope - neededSlope) / sigma)
        // The envelope sees the trend only up to one envelope window ago: growth is confirmed
        // that long less, and must last that long more.
        let unseen = configuration.envelopeWindowSeconds
        let age = max(trendAgeSeconds - unseen, 0) + configuration.leakPersistenceScaleSeconds
        let persist = age / (age + min(etaSeconds, horizon) + unseen)
        return min(max(reach * persist, 0), 1)
    }
}
