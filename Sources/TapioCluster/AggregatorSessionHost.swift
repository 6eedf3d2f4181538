import NIOCore
import TapioWire

/// What a connection needs from the aggregator core. The core owns dedup, the journal and the
/// state; connections only move frames and acknowledgements.
public protocol AggregatorSessionHost: AnyObject, Sendable {
    /// The last sequence applied for `stream`, made durable before it is returned, so the
    /// exporter may forget everything up to it.
    func resumeSequence(for stream: StreamKey) throws -> UInt64
    func ingest(stream: StreamKey, frame: WireFrame, batch: RecordBatch) -> BatchAdmission
    /// The outbox of `eventLoop` (called on it): ACKs queued there go out once the journal is
    /// durable up to their frame's index, or fail if it can no longer be made durable.
    func ackOutbox(on eventLoop: any EventLoop) -> AckOutbox
    func count(_ update: (inout PipelineCounters) -> Void)
    /// An ACK went out `seconds` after its BATCH was received (for the latency histogram).
    func ackSent(afterSeconds seconds: Double)
    /// A tail client asked for alerts matching `filter`, delivered as ALERT frames.
    func subscribe(channel: any Channel, filter: Subscribe)
    func sessionStarted(_ stream: StreamKey)
    func sessionEnded(_ stream: StreamKey)
    func log(_ line: String)
}
