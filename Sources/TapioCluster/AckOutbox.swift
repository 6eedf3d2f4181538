import NIOConcurrencyHelpers
import NIOCore

/// The ACKs one event loop owes, waiting for the journal to make their frames durable. Used
/// only on its loop.
///
/// Why not a future per frame: its completion is a task, and a loop runs tasks only after the
/// round of socket reads it is in. With 500 connections on a loop, a round of reads and decodes
/// took tens of milliseconds under load, and every ACK whose fsync had finished meanwhile
/// waited for the end of it (measured: commits took under 10 ms, ACKs were sent 40–115 ms after
/// their commit). The outbox is flushed after every socket read of the round as well, so a
/// durable frame is acknowledged by the next read on its loop, whichever connection it is; and
/// after each commit one task per loop (not one per frame) flushes it when the loop is idle.
public final class AckOutbox {
    /// Acknowledges `sequence` on its connection (the handler checks that it is still streaming).
    typealias Acknowledge = (_ sequence: UInt64, _ received: NIODeadline) -> Void
    /// The journal stopped: the connection must close without acknowledging.
    typealias Fail = (_ error: any Error) -> Void

    private struct Entry {
        var index: UInt64
        var sequence: UInt64
        var received: NIODeadline
        var acknowledge: Acknowledge
        var fail: Fail
    }

    let eventLoop: any EventLoop
    /// The journal index known durable, and why the journal stopped if it did (any thread).
    private let durable: @Sendable () -> Result<UInt64, any Error>
    /// In arrival order. Indices are not sorted (a duplicate's index is that of the frame it
    /// repeats), so a flush scans them all: the outbox only holds what arrived since the last
    /// commit, a few dozen frames.
    private var entries: [Entry] = []

    /// Whether ACKs wait here, readable from any thread: the committer schedules a flush only
    /// then (no task per commit for an idle loop, none after the loop has shut down).
    let waiting = NIOLockedValueBox(false)

    init(eventLoop: any EventLoop, durable: @escaping @Sendable () -> Result<UInt64, any Error>) {
        self.eventLoop = eventLoop
        self.durable = durable
    }

    var count: Int { entries.count }

    /// Queues the ACK of `sequence` for when journal index `index` is durable (at once if it is).
    func add(index: UInt64, sequence: UInt64, received: NIODeadline, acknowledge: @escaping Acknowledge, fail: @escaping Fail) {
        eventLoop.preconditionInEventLoop()
        if entries.isEmpty { waiting.withLockedValue { $0 = true } }
        entries.append(Entry(index: index, sequence: sequence, received: received, acknowledge: acknowledge, fail: fail))
        flush()
    }

    /// Sends every ACK whose frame is durable now; fails them all if the journal stopped.
    func flush() {
        guard !entries.isEmpty else { return }
        flush(durable())
    }

    /// As `flush()`, with the outcome of a commit.
    func flush(_ outcome: Result<UInt64, any Error>) {
        eventLoop.preconditionInEventLoop()
        guard !entries.isEmpty else { return }
        switch outcome {
        case .success(let durableIndex):
            var ready: [Entry] = []
            entries.removeAll { entry in
                guard entry.index <= durableIndex else { return false }
                ready.append(entry)
                return true
            }
            // In the order they came: per connection, its sequences in order.
            for entry in ready { entry.acknowledge(entry.sequence, entry.received) }
        case .failure(let error):
            let failed = entries
            entries = []
            for entry in failed { entry.fail(error) }
        }
        if entries.isEmpty { waiting.withLockedValue { $0 = false } }
    }
}
