/// Somewhere alerts go. Called from the aggregator's evaluation path: implementations must
/// be quick and never block on a slow consumer.
public protocol AlertSink: Sendable {
    func deliver(_ event: AlertEvent)
}
