/// What the predictor says about one series at one moment.
public struct Assessment: Sendable, Equatable {
    /// State after hysteresis: what to alert on.
    public var state: AlertState
    /// State of this evaluation alone, before hysteresis.
    public var rawState: AlertState
    public var reason: AlertReason
    /// Time until the working set reaches the limit; nil without a significant growing trend.
    public var eta: EtaInterval?
    /// Probability (0…1) that the limit is reached within the warning horizon.
    public var confidence: Double
    /// Robust growth of the working set's lower envelope; 0 when there is no significant trend.
    public var slopeBytesPerSecond: Double
    public var workingSetBytes: UInt64
    public var usageBytes: UInt64
    public var limitBytes: UInt64?
    /// Limit minus working set, 0 when over it; nil when unlimited.
    public var headroomBytes: UInt64?

    public init(
        state: AlertState, rawState: AlertState, reason: AlertReason, eta: EtaInterval?,
        confidence: Double, slopeBytesPerSecond: Double, workingSetBytes: UInt64,
        usageBytes: UInt64, limitBytes: UInt64?, headroomBytes: UInt64?
    ) {
        self.state = state
        self.rawState = rawState
        self.reason = reason
        self.eta = eta
        self.confidence = confidence
        self.slopeBytesPerSecond = slopeBytesPerSecond
        self.workingSetBytes = workingSetBytes
        self.usageBytes = usageBytes
        self.limitBytes = limitBytes
        self.headroomBytes = headroomBytes
    }
}
