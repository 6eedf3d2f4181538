/// One downsampled stretch of a series: its lowest value (the lower envelope, so garbage-collector
/// sawtooth reads as its troughs) and its highest value (how far the peaks reach above the
/// troughs), each with the time it was seen.
public struct EnvelopePoint: Sendable, Equatable {
    public var timeSeconds: Double
    public var lowBytes: Double
    public var highBytes: Double
    public var highTimeSeconds: Double

    public init(timeSeconds: Double, lowBytes: Double, highBytes: Double, highTimeSeconds: Double) {
        self.timeSeconds = timeSeconds
        self.lowBytes = lowBytes
        self.highBytes = highBytes
        self.highTimeSeconds = highTimeSeconds
    }
}
