import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The journal's flush loop: a dedicated thread (fsync blocks, so never an event loop) that
/// commits whenever there are appends, back to back under load (each fsync covers everything
/// appended while the previous one ran). When idle it sleeps until `appended()` or `stop()`
/// wakes it, so a lone frame is not kept waiting for a polling tick and an idle aggregator does
/// not wake hundreds of times a second; `interval` only bounds the wait for appenders that do
/// not call `appended()`. After each commit it completes what waits for the new durable index.
///
/// Two ways to wait, both cheap:
/// - `whenDurable(index, on: eventLoop)`: a future completed on the caller's event loop
///   (one promise per frame or per group of frames).
/// - `addListener`: called on the committer thread after every commit with the durable index;
///   a connection keeps its own high-water mark of indices to acknowledge and hops to its
///   event loop once per commit.
///
/// If a commit fails (disk full, I/O error) the journal has stopped: every waiter and listener
/// gets the error, later waits fail at once, and the loop ends. Nothing is acknowledged again.
public final class JournalCommitter: @unchecked Sendable {
    public typealias Listener = @Sendable (Result<UInt64, JournalError>) -> Void

    public struct ListenerID: Hashable, Sendable {
        let value: UInt64
    }

    public let journal: Journal
    /// Longest idle sleep without a wake-up.
    public let interval: TimeAmount

    private struct Waiter {
        var index: UInt64
        var complete: @Sendable (Result<UInt64, JournalError>) -> Void
    }

    private let lock = NIOLock()
    // Guarded by `lock`.
    private var waiters: [Waiter] = []
    private var listeners: [ListenerID: Listener] = [:]
    private var nextListener: UInt64 = 0
    private var durable: UInt64
    private var failure: JournalError?
    private var running = false
    private var stopRequested = false
    private var commits: UInt64 = 0
    private var commitTimes = LatencyHistogram()
    /// True while the flush thread sleeps waiting for appends (guarded by `lock`).
    private var sleeping = false
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init(journal: Journal, interval: TimeAmount = .seconds(1)) {
        self.journal = journal
        self.interval = interval
        durable = journal.durableIndex
    }

    /// Starts the flush thread.
    public func start() {
        let alreadyRunning = lock.withLock { () -> Bool in
            defer { running = true }
            return running
        }
        guard !alreadyRunning else { return }
        DispatchQueue(label: "tapio.journal.committer").async { [self] in run() }
    }

    /// Commits what is left, stops the thread and waits for it.
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            stopRequested = true
            return running
        }
        appended()  // the same wake-up: end the idle sleep now
        if wasRunning { finished.wait() }
        lock.withLock { running = false }
    }

    /// Wakes the flush thread at once: something was appended. Cheap when it is awake.
    public func appended() {
        let wake = lock.withLock { () -> Bool in
            guard sleeping else { return false }
            sleeping = false
            return true
        }
        if wake { wakeUp.signal() }
    }

    /// The highest index known durable.
    public var durableIndex: UInt64 { lock.withLock { durable } }
    /// Commits performed (those that had something to write).
    public var commitCount: UInt64 { lock.withLock { commits } }
    /// How long each commit (write and fsync) took: a frame waits for at most two of them.
    public var commitDurations: LatencyHistogram { lock.withLock { commitTimes } }
    public var failureCause: JournalError? { lock.withLock { failure } }
    /// The durable index, or why the journal stopped: one look under the lock.
    public var durableOutcome: Result<UInt64, JournalError> {
        lock.withLock { failure.map { .failure($0) } ?? .success(durable) }
    }

    /// A future, on `eventLoop`, that succeeds with the durable index once `index` is durable
    /// (at once if it already is) or fails when the journal stops.
    public func whenDurable(_ index: UInt64, on eventLoop: any EventLoop) -> EventLoopFuture<UInt64> {
        let promise = eventLoop.makePromise(of: UInt64.self)
        onDurable(index) { result in promise.completeWith(result.mapError { $0 as any Error }) }
        return promise.futureResult
    }

    /// Calls `body` (on the committer thread, or here if already decided) once `index` is
    /// durable or the journal has failed.
    public func onDurable(_ index: UInt64, _ body: @escaping @Sendable (Result<UInt64, JournalError>) -> Void) {
        let now = lock.withLock { () -> Result<UInt64, JournalError>? in
            if index <= durable { return .success(durable) }
            if let failure { return .failure(failure) }
            waiters.append(Waiter(index: index, complete: body))
            return nil
        }
        if let now { body(now) }
    }

    /// Registers `body` to be called after every commit with the new durable index (and once
    /// with the error if the journal fails).
    public func addListener(_ body: @escaping Listener) -> ListenerID {
        lock.withLock {
            nextListener += 1
            let id = ListenerID(value: nextListener)
            listeners[id] = body
            return id
        }
    }

    public func removeListener(_ id: ListenerID) {
        _ = lock.withLock { listeners.removeValue(forKey: id) }
    }

    /// Commits now, on the calling thread, and completes waiters: for shutdown and tests.
    @discardableResult
    public func commitNow() throws(JournalError) -> UInt64 {
        let result: Result<UInt64, JournalError>
        let started = NIODeadline.now()
        do {
            result = .success(try journal.commit())
        } catch {
            result = .failure(error)
        }
        let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        lock.withLock { commitTimes.observe(seconds: seconds) }
        publish(result)
        return try result.get()
    }

    // MARK: Loop

    private func run() {
        // Named for top -H and perf, as the event loops are (NIO-ELT-...).
        Thread.current.name = "tapio-commit"
        let idle = DispatchTimeInterval.nanoseconds(Int(max(interval.nanoseconds, 1_000)))
        while true {
            let stopping = lock.withLock { stopRequested }
            if journal.hasUncommitted {
                if (try? commitNow()) == nil { break }
            } else if lock.withLock({ failure != nil }) {
                break
            } else if stopping {
                break
            } else {
                lock.withLock { sleeping = true }
                // An append that came after the check above may have found us still awake.
                if !journal.hasUncommitted { _ = wakeUp.wait(timeout: .now() + idle) }
                lock.withLock { sleeping = false }
            }
        }
        finished.signal()
    }

    private func publish(_ result: Result<UInt64, JournalError>) {
        let (ready, notify) = lock.withLock { () -> ([Waiter], [Listener]) in
            switch result {
            case .success(let index):
                if index > durable { commits += 1 }
                durable = max(durable, index)
                var ready: [Waiter] = []
                var index = 0
                while index < waiters.count {
                    if waiters[index].index <= durable {
                        ready.append(waiters[index])
                        waiters[index] = waiters[waiters.count - 1]
                        waiters.removeLast()
                    } else {
                        index += 1
                    }
                }
                return (ready, Array(listeners.values))
            case .failure(let error):
                failure = error
                let ready = waiters
                waiters = []
                return (ready, Array(listeners.values))
            }
        }
        let delivered = result.map { _ in lock.withLock { durable } }
        for waiter in ready { waiter.complete(delivered) }
        for listener in notify { listener(delivered) }
    }
}
