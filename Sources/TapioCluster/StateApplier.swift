import Dispatch
import Foundation
import NIOConcurrencyHelpers
import TapioWire

/// Applies journaled batches to the fleet state on a thread of its own, so that a
/// connection's event loop only decodes, journals and acknowledges. Prediction is most of the
/// work per record; done inline it kept every event loop busy and delayed the ACKs of all its
/// connections behind it, while the ACK only promises that the frame is in the journal (which
/// rebuilds the state after a crash), not that it has been analysed.
///
/// Order: batches are applied in the order they were queued (per node, the order of its
/// stream), one drainer at a time. Readers call `drain()` first, so what they read includes
/// every batch queued before (read your acknowledged writes).
///
/// Bounded: when more than `maxQueuedRecords` wait, the thread that queues (a connection's
/// event loop) applies the oldest batches, as many records as it queued, before it returns:
/// backpressure that slows ingestion to what the state can absorb, spread evenly over the
/// frames instead of one loop stopping to apply the whole queue (measured at 1M records/s:
/// 200,000 records took a loop ~150 ms, and every ACK on it waited). The applier thread
/// takes slices of `sliceRecords` too, so a loop that needs the drain lock gets it soon.
final class StateApplier: @unchecked Sendable {
    struct Item: Sendable {
        var node: String
        var records: [Record]
    }

    let maxQueuedRecords: Int
    private let apply: @Sendable (Item) -> Void
    /// Told after each drain how many batches and records it applied: counted once per drain,
    /// not per batch, so this thread seldom takes a lock the event loops use per frame.
    private let applied: @Sendable (_ batches: Int, _ records: Int) -> Void

    private let lock = NIOLock()
    // Guarded by `lock`.
    private var pending: [Item] = []
    private var pendingRecords = 0
    private var sleeping = false
    private var running = false
    private var stopRequested = false
    private var stalls: UInt64 = 0
    private var catchUpCount: UInt64 = 0
    /// Held while applying: one drainer at a time keeps the queue's order.
    private let drainLock = NIOLock()
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(maxQueuedRecords: Int, apply: @escaping @Sendable (Item) -> Void, applied: @escaping @Sendable (_ batches: Int, _ records: Int) -> Void) {
        precondition(maxQueuedRecords > 0, "StateApplier needs room for records")
        self.maxQueuedRecords = maxQueuedRecords
        self.apply = apply
        self.applied = applied
    }

    func start() {
        let alreadyRunning = lock.withLock { () -> Bool in
            defer { running = true }
            return running
        }
        guard !alreadyRunning else { return }
        DispatchQueue(label: "tapio.state.applier").async { [self] in run() }
    }

    /// Applies what is queued, then ends the thread and waits for it.
    func stop() {
        let (wasRunning, wake) = lock.withLock { () -> (Bool, Bool) in
            stopRequested = true
            defer { sleeping = false }
            return (running, sleeping)
        }
        if wake { wakeUp.signal() }
        if wasRunning { finished.wait() }
        drain()
        lock.withLock { running = false }
    }

    /// Records the applier thread takes at a time (a few milliseconds of prediction).
    static let sliceRecords = 8_192

    func enqueue(_ item: Item) {
        let (wake, over) = lock.withLock { () -> (Bool, Bool) in
            pending.append(item)
            pendingRecords += item.records.count
            defer { sleeping = false }
            let over = pendingRecords > maxQueuedRecords
            if over { stalls += 1 }
            return (sleeping, over)
        }
        if wake { wakeUp.signal() }
        if over { drain(records: item.records.count) }
    }

    /// Applies, on the calling thread, everything queued before the call (and whatever else
    /// is waiting by the time it gets its turn).
    func drain() {
        drain(records: .max)
    }

    /// Applies the oldest batches, at least one and at least `records` records if there are.
    private func drain(records wanted: Int) {
        drainLock.withLock {
            let items = lock.withLock { () -> [Item] in
                var taken = 0
                var end = 0
                while end < pending.count, taken < wanted {
                    taken += pending[end].records.count
                    end += 1
                }
                if end == pending.count {
                    defer { pending = [] }
                    return pending
                }
                defer { pending.removeFirst(end) }
                return Array(pending[..<end])
            }
            guard !items.isEmpty else { return }
            var records = 0
            for item in items {
                apply(item)
                records += item.records.count
            }
            lock.withLock { pendingRecords -= records }
            applied(items.count, records)
        }
    }

    /// Records waiting to be applied.
    var queuedRecords: Int { lock.withLock { pendingRecords } }
    /// Times a full queue made the queueing thread (a connection's event loop) apply a share.
    var backpressureStalls: UInt64 { lock.withLock { stalls } }

    private func run() {
        // Named for top -H and perf, as the event loops are (NIO-ELT-...).
        Thread.current.name = "tapio-apply"
        // Analysis yields to the event loops and the committer (Linux nice is per thread;
        // who = 0 is the calling thread): on a busy machine a loop woken by a frame or a
        // commit preempts the applier instead of queueing behind it, so ACKs are not delayed
        // by prediction. The applier still gets whatever CPU the loops leave, and the queue
        // bound (maxQueuedRecords) makes the loops share the work if that is not enough.
        // Measured by `make bench-transport` on two cores: 1.2M records/s kept up (1.13M was
        // the most applied before, with the applier at the loops' priority).
        //
        // But only while it keeps up: once the queue is half way to the bound the applier is
        // being starved, and soon the loops apply records themselves (backpressure), each
        // waiting for the drain lock this thread holds at the low priority. Then it runs at
        // the loops' priority until the queue is back under an eighth of the bound. Measured
        // with the bench's 1,000 nodes × 20 containers at 1M records/s on two cores: ack p99
        // 118-1,176 ms over three runs at a constant nice 10 (up to 435 backpressure stalls
        // in 15 s), 91-123 ms over five runs with this (at most 60 stalls). On a quieter day
        // of the same VM both kept p99 at 5-20 ms: it matters when CPU is short. Raising
        // priority needs CAP_SYS_NICE or RLIMIT_NICE; without them it stays yielding.
        var yielding = true
        setPriority(yielding: true)
        while true {
            let (idle, stopping, queued) = lock.withLock { () -> (Bool, Bool, Int) in
                let idle = pending.isEmpty
                if idle { sleeping = true }
                return (idle, stopRequested, pendingRecords)
            }
            if yielding, queued > maxQueuedRecords / 2 {
                yielding = false
                lock.withLock { catchUpCount += 1 }
                setPriority(yielding: false)
            } else if !yielding, queued < maxQueuedRecords / 8 {
                yielding = true
                setPriority(yielding: true)
            }
            if idle {
                if stopping { break }
                wakeUp.wait()
                // A wake-up signalled after we stopped sleeping (by `stop`) is left over; harmless.
                continue
            }
            drain(records: Self.sliceRecords)
        }
        // The thread goes back to Dispatch's pool: not left at a low priority for its next job.
        setPriority(yielding: false)
        finished.signal()
    }

    /// Times the applier went to the loops' priority because it fell behind.
    var catchUps: UInt64 { lock.withLock { catchUpCount } }

    /// Nice 10 for the calling thread (yielding to the loops), or back to 0.
    private func setPriority(yielding: Bool) {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, yielding ? 10 : 0)
    }
}
