/// A robust linear trend of a series' lower envelope: the Theil–Sen slope (median of pairwise
/// slopes) with Sen's 80 % confidence interval, and the Mann–Kendall statistic, computed together
/// in one O(n²) pass over at most `CompactHistory.maximumPointCount` points.
public struct TrendFit: Sendable, Equatable {
    public var pointCount: Int
    public var spanSeconds: Double
    /// Theil–Sen slope of the envelope minima, bytes per second.
    public var slope: Double
    /// Sen's confidence interval for the slope: 10th and 90th percentile.
    public var slopeLow: Double
    public var slopeHigh: Double
    /// Mann–Kendall z score (no tie correction, which errs toward "not significant").
    public var mannKendallZ: Double
    /// Where the envelope line passes at `anchorSeconds`.
    public var anchorSeconds: Double
    public var envelopeAtAnchor: Double

    /// z for an 80 % two-sided interval (the p10…p90 band).
    static let z80 = 1.2815515655446004
    /// Room for the pairwise slopes of the largest history.
    static let scratchCount = CompactHistory.maximumPointCount * (CompactHistory.maximumPointCount - 1) / 2

    public func envelope(atSeconds time: Double) -> Double {
        envelopeAtAnchor + slope * (time - anchorSeconds)
    }

    /// Fits the lows of `points` (time order). `scratch` needs `scratchCount` elements.
    /// Nil with fewer than 3 points.
    static func fit(
        _ points: UnsafeBufferPointer<EnvelopePoint>, scratch: UnsafeMutableBufferPointer<Double>,
        anchorSeconds: Double
    ) -> TrendFit? {
        let n = points.count
        guard n >= 3 else { return nil }
        var pairs = 0
        var kendallS = 0
        for i in 0..<(n - 1) {
            let ti = points[i].timeSeconds
            let vi = points[i].lowBytes
            for j in (i + 1)..<n {
                let dv = points[j].lowBytes - vi
                kendallS &+= dv > 0 ? 1 : (dv < 0 ? -1 : 0)
                let dt = points[j].timeSeconds - ti
                if dt > 0 {
                    scratch[pairs] = dv / dt
                    pairs &+= 1
                }
            }
        }
        guard pairs > 0 else { return nil }
        let nd = Double(n)
        let varianceS = nd * (nd - 1) * (2 * nd + 5) / 18
        let sd = varianceS.squareRoot()
        let z = kendallS > 0 ? Double(kendallS - 1) / sd : (kendallS < 0 ? Double(kendallS + 1) / sd : 0)

        let medianRank = (pairs - 1) / 2
        let slope = OrderStatistics.select(scratch, k: medianRank, in: 0..<pairs)
        let halfWidth = Self.z80 * sd / 2
        let lowRank = min(max(Int((Double(pairs) / 2 - halfWidth).rounded()) - 1, 0), medianRank)
        let highRank = max(min(Int((Double(pairs) / 2 + halfWidth).rounded()), pairs - 1), medianRank)
        let slopeLow = lowRank < medianRank ? OrderStatistics.select(scratch, k: lowRank, in: 0..<medianRank) : slope
        let slopeHigh = highRank > medianRank ? OrderStatistics.select(scratch, k: highRank, in: (medianRank + 1)..<pairs) : slope

        // Intercept: median residual at the anchor, robust like the slope.
        for i in 0..<n {
            scratch[i] = points[i].lowBytes - slope * (points[i].timeSeconds - anchorSeconds)
        }
        let envelopeAtAnchor = OrderStatistics.median(scratch, in: 0..<n)

        return TrendFit(
            pointCount: n, spanSeconds: points[n - 1].timeSeconds - points[0].timeSeconds,
            slope: slope, slopeLow: slopeLow, slopeHigh: slopeHigh, mannKendallZ: z,
            anchorSeconds: anchorSeconds, envelopeAtAnchor: envelopeAtAnchor)
    }
}
