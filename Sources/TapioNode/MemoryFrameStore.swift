import TapioWire

/// The send window kept in memory, used when no spool directory is configured. Nothing
/// survives a restart, so every instance starts a new stream epoch.
///
/// Budget: after each append, the oldest frames are dropped until the wire bytes held are
/// within `maxBytes`, but never the frame just appended (so the store holds at most
/// `maxBytes` plus one frame). Drops are returned as a `.sendWindow` loss report.
public final class MemoryFrameStore: UnackedFrameStore {
    public let streamEpoch: UInt64
    public let maxBytes: Int
    public private(set) var lastSequence: UInt64 = 0
    public private(set) var unackedBytes = 0
    public var unackedFrames: Int { frames.count - head }

    /// Retained frames, oldest first, from index `head`; sequences are contiguous.
    private var frames: [WireFrame] = []
    private var head = 0

    /// - Parameters:
    ///   - maxBytes: budget in wire bytes of unacknowledged frames.
    ///   - epoch: the stream epoch; by default the current UNIX time in nanoseconds, so each
    ///     start is a new, non-zero, increasing epoch.
    public init(maxBytes: Int, epoch: UInt64? = nil) {
        precondition(maxBytes > 0, "MemoryFrameStore needs a positive byte budget")
        self.maxBytes = maxBytes
        self.streamEpoch = epoch ?? FrameSpoolEpoch.fresh()
    }

    public func append(_ frame: WireFrame) throws -> LossReport? {
        guard frame.header.type == .batch else { throw FrameSpoolError.notABatch(type: frame.header.type.rawValue) }
        guard frame.header.sequence == lastSequence + 1 else {
            throw FrameSpoolError.sequenceNotNext(expected: lastSequence + 1, got: frame.header.sequence)
        }
        frames.append(frame)
        unackedBytes += frame.header.frameSize
        lastSequence = frame.header.sequence

        var loss: LossReport?
        while unackedBytes > maxBytes, frames.count - head > 1 {
            let dropped = frames[head]
            head += 1
            unackedBytes -= dropped.header.frameSize
            if loss == nil {
                loss = LossReport(source: .sendWindow, lostRecords: 0, firstSequence: dropped.header.sequence)
            }
            loss!.lostRecords += UInt64(dropped.header.count)
            loss!.lostBytes += UInt64(dropped.header.frameSize)
            loss!.lastSequence = dropped.header.sequence
        }
        compact()
        return loss
    }

    public func frames(after sequence: UInt64, limit: Int) throws -> [WireFrame] {
        guard limit > 0, head < frames.count else { return [] }
        let first = frames[head].header.sequence
        let start = sequence < first ? head : head + Int(min(sequence - first + 1, UInt64(frames.count - head)))
        return Array(frames[start..<min(frames.count, start + limit)])
    }

    public func acknowledge(through sequence: UInt64) throws {
        while head < frames.count, frames[head].header.sequence <= sequence {
            unackedBytes -= frames[head].header.frameSize
            head += 1
        }
        compact()
    }

    public func takeDiscoveredLosses() -> [LossReport] { [] }

    public func resumeNumbering(after sequence: UInt64) throws {
        guard sequence > lastSequence else { return }
        // The aggregator has applied everything held here; the next append follows `sequence`.
        try acknowledge(through: lastSequence)
        lastSequence = sequence
    }

    private func compact() {
        if head == frames.count {
            frames.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }
}
