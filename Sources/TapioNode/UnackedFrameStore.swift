import TapioWire

/// Keeps the exporter's BATCH frames from the moment they are numbered until the aggregator
/// acknowledges them, so that after a reconnect exactly the unapplied ones are resent.
///
/// Stores are not thread-safe: confine one to a single isolation domain (the sender's event
/// loop or actor).
public protocol UnackedFrameStore: AnyObject {
    /// Identifies this exporter's sequence space (sent in the handshake).
    var streamEpoch: UInt64 { get }
    /// Highest sequence stored so far (0 if none ever).
    var lastSequence: UInt64 { get }
    var unackedFrames: Int { get }
    /// Wire bytes of the unacknowledged frames.
    var unackedBytes: Int { get }

    /// Stores the frame (its header.sequence must be lastSequence + 1). If the store is over
    /// its byte budget afterwards it drops the OLDEST frames and returns what it dropped as a
    /// LossReport (source .spool or .sendWindow, lostRecords = sum of header.count,
    /// lostBytes, firstSequence/lastSequence dropped), else nil.
    func append(_ frame: WireFrame) throws -> LossReport?

    /// Frames with sequence > `sequence`, oldest first, at most `limit` of them. Only frames
    /// not yet acknowledged are returned; frames dropped for the budget are skipped (their
    /// loss was reported by `append`).
    func frames(after sequence: UInt64, limit: Int) throws -> [WireFrame]

    /// The aggregator has durably applied everything ≤ sequence: forget it.
    func acknowledge(through sequence: UInt64) throws

    /// Loss the store found on its own rather than in `append`: a torn or corrupt tail cut
    /// back when a spool was opened, a frame that failed its CRC when read back, a budget
    /// enforced at open. Each report is returned once; hand them to `RecordBatcher.reportLoss`
    /// so they travel in-band.
    func takeDiscoveredLosses() -> [LossReport]

    /// The aggregator says (WELCOME) it has applied this stream up to `sequence`, beyond
    /// `lastSequence`: frames were stored and sent but then lost locally (a machine crash
    /// before the page cache reached the disk). Continues the numbering after `sequence` so
    /// that new frames are not dropped as duplicates. No-op when `sequence <= lastSequence`.
    func resumeNumbering(after sequence: UInt64) throws
}
