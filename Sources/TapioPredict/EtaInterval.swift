/// Time left until the limit is reached: median and an 80 % interval, in seconds from now.
public struct EtaInterval: Sendable, Equatable {
    /// Early end: the slope's 90th percentile.
    public var p10: Double
    public var p50: Double
    /// Late end: the slope's 10th percentile; `.infinity` when that slope is not positive.
    public var p90: Double

    public init(p10: Double, p50: Double, p90: Double) {
        self.p10 = p10
        self.p50 = p50
        self.p90 = p90
    }
}
