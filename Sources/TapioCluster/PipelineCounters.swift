/// Counters of the aggregator's pipeline, exported on /metrics and /api/v1/status.
public struct PipelineCounters: Sendable, Codable, Equatable {
    public var framesReceived: UInt64 = 0
    public var batchesApplied: UInt64 = 0
    public var duplicateBatches: UInt64 = 0
    public var recordsApplied: UInt64 = 0
    public var wireBytesReceived: UInt64 = 0
    public var connectionsAccepted: UInt64 = 0
    public var connectionsOpen: Int = 0
    public var connectionsRejected: UInt64 = 0
    public var authFailures: UInt64 = 0
    public var decodeErrors: UInt64 = 0
    public var handshakeTimeouts: UInt64 = 0
    public var idleTimeouts: UInt64 = 0
    public var journalErrors: UInt64 = 0
    public var alerts: UInt64 = 0

    public init() {}
}
