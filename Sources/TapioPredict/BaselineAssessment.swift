/// What a baseline predictor says: the state it would alert with and its time-to-limit.
public struct BaselineAssessment: Sendable, Equatable {
    public var state: AlertState
    /// Seconds until the projected usage reaches the limit; nil without growth or a limit.
    public var etaSeconds: Double?
    public var slopeBytesPerSecond: Double

    public init(state: AlertState, etaSeconds: Double?, slopeBytesPerSecond: Double) {
        self.state = state
        self.etaSeconds = etaSeconds
        self.slopeBytesPerSecond = slopeBytesPerSecond
    }
}
