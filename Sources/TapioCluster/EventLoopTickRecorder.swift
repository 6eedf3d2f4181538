import NIOCore
import NIOPosix

/// Feeds the aggregator's event loop ticks (one round of I/O and tasks) into its counters:
/// a long tick delays every connection on that loop, ACKs included, so the tick histogram on
/// /metrics tells an operator whether the loops are the bottleneck.
public struct EventLoopTickRecorder: NIOEventLoopMetricsDelegate {
    private let core: AggregatorCore

    public init(core: AggregatorCore) { self.core = core }

    public func processedTick(info: NIOEventLoopTickInfo) {
        let seconds = Double((info.endTime - info.startTime).nanoseconds) / 1e9
        core.eventLoopTicked(seconds: seconds)
    }
}
