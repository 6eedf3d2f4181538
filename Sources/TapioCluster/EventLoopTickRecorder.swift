import NIOCore
import NIOPosix

/// Feeds the aggregator's event loop ticks into its counters. SwiftNIO's tick is the task part
/// of a loop iteration (ACK writes after a commit, timers), not the socket reads and frame
/// decoding before it: a long tick delays every ACK on that loop, but short ticks do not mean
/// the loop is idle.
public struct EventLoopTickRecorder: NIOEventLoopMetricsDelegate {
    private let core: AggregatorCore

    public init(core: AggregatorCore) { self.core = core }

    public func processedTick(info: NIOEventLoopTickInfo) {
        let seconds = Double((info.endTime - info.startTime).nanoseconds) / 1e9
        core.eventLoopTicked(seconds: seconds)
    }
}
