import Foundation
import NIOConcurrencyHelpers
import TapioSimulation
import TapioWire
import XCTest

@testable import TapioCluster

/// The applier that takes prediction off the event loops: order, read-your-writes, the bound.
final class StateApplierTests: XCTestCase {
    /// Polls for up to ten seconds: the applier thread's work is asynchronous.
    private func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            if Date() > deadline { return false }
            usleep(1_000)
        }
        return true
    }

    private func records(_ count: Int) -> [Record] {
        (0..<count).map { Record(timestampNs: UInt64($0), body: .pageActivity(PageActivity(cgroupId: 1, pagesAllocated: 0, pagesFreed: 0, intervalNanoseconds: 0))) }
    }

    func testBatchesAreAppliedInOrderAndDrainSeesEverythingQueuedBefore() {
        let seen = NIOLockedValueBox<[String]>([])
        let counted = NIOLockedValueBox((batches: 0, records: 0))
        let applier = StateApplier(
            maxQueuedRecords: 1_000_000, apply: { item in seen.withLockedValue { $0.append(item.node) } },
            applied: { batches, records in counted.withLockedValue { $0.batches += batches; $0.records += records } })
        applier.start()
        for index in 0..<500 { applier.enqueue(.init(node: "n\(index)", records: records(3))) }
        applier.drain()  // what a reader does first
        XCTAssertEqual(seen.withLockedValue { $0 }, (0..<500).map { "n\($0)" }, "every batch queued before the drain, in order")
        XCTAssertEqual(counted.withLockedValue { $0.batches }, 500)
        XCTAssertEqual(counted.withLockedValue { $0.records }, 1_500)
        XCTAssertEqual(applier.queuedRecords, 0)
        applier.stop()
    }

    func testAFullQueueMakesTheThreadThatQueuesApplyAShareOfIt() {
        // No applier thread started: only the bound can apply anything.
        let applied = NIOLockedValueBox<[String]>([])
        let applier = StateApplier(maxQueuedRecords: 10, apply: { item in applied.withLockedValue { $0.append(item.node) } }, applied: { _, _ in })
        applier.enqueue(.init(node: "a", records: records(6)))
        XCTAssertEqual(applied.withLockedValue { $0 }, [], "under the bound, the queue waits for the applier")
        XCTAssertEqual(applier.queuedRecords, 6)
        applier.enqueue(.init(node: "b", records: records(6)))
        // Over the bound: the caller applied the oldest batches, as many records as it queued
        // (not the whole queue, which would hold its event loop for as long as that takes).
        XCTAssertEqual(applied.withLockedValue { $0 }, ["a"])
        XCTAssertEqual(applier.queuedRecords, 6)
        applier.enqueue(.init(node: "c", records: records(2)))
        XCTAssertEqual(applier.queuedRecords, 8, "back under the bound: nothing applied")
        applier.enqueue(.init(node: "d", records: records(4)))
        XCTAssertEqual(applied.withLockedValue { $0 }, ["a", "b"], "in queue order, at least the records queued")
        XCTAssertEqual(applier.queuedRecords, 6)
        XCTAssertEqual(applier.backpressureStalls, 2)
        applier.drain()
        XCTAssertEqual(applied.withLockedValue { $0 }, ["a", "b", "c", "d"], "a reader's drain takes everything")
        XCTAssertEqual(applier.queuedRecords, 0)
    }

    func testStopAppliesWhatIsLeft() {
        let applied = NIOLockedValueBox(0)
        let applier = StateApplier(maxQueuedRecords: 1_000_000, apply: { item in applied.withLockedValue { $0 += item.records.count } }, applied: { _, _ in })
        applier.start()
        for _ in 0..<100 { applier.enqueue(.init(node: "a", records: records(10))) }
        applier.stop()
        XCTAssertEqual(applied.withLockedValue { $0 }, 1_000)
    }

    /// The applier yields to the event loops (nice 10) while it keeps up, and takes their
    /// priority (nice 0) once half the bound waits, so the loops are not left waiting on a
    /// starved thread that holds the drain lock.
    func testTheApplierCatchesUpAtTheLoopsPriorityOnceHalfTheBoundWaits() throws {
        try XCTSkipUnless(geteuid() == 0, "SKIP: raising a thread from nice 10 back to 0 needs root (CAP_SYS_NICE)")
        // Nice values as seen by the thread that applies (getpriority's who = 0 is the caller).
        let seen = NIOLockedValueBox<[(node: String, nice: Int32)]>([])
        let started = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        let applier = StateApplier(
            maxQueuedRecords: 1_000,
            apply: { item in
                errno = 0
                let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                seen.withLockedValue { $0.append((item.node, errno == 0 ? nice : -99)) }
                if item.node == "first" {
                    started.signal()
                    gate.wait()
                }
            }, applied: { _, _ in })
        applier.start()
        defer { applier.stop() }
        applier.enqueue(.init(node: "first", records: records(1)))
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success, "the applier thread took the first batch")
        // While the applier is held, 600 of a 1,000 bound wait: over half, under the bound
        // (so the queueing thread applies nothing itself).
        applier.enqueue(.init(node: "behind", records: records(600)))
        XCTAssertEqual(applier.backpressureStalls, 0)
        gate.signal()
        // Not drain(): that would apply on this thread. Wait for the applier's own thread.
        XCTAssertTrue(waitUntil { seen.withLockedValue { $0.count } == 2 }, "the applier thread applied the backlog")
        XCTAssertTrue(waitUntil { applier.queuedRecords == 0 })
        applier.enqueue(.init(node: "later", records: records(1)))
        XCTAssertTrue(waitUntil { seen.withLockedValue { $0.count } == 3 }, "the applier thread applied the later batch")
        let order = seen.withLockedValue { $0 }
        XCTAssertEqual(order.map(\.node), ["first", "behind", "later"])
        guard order.count == 3 else { return }
        XCTAssertEqual(order[0].nice, 10, "keeping up: the applier yields to the loops")
        XCTAssertEqual(order[1].nice, 0, "half the bound waiting: it applies at the loops' priority")
        XCTAssertEqual(order[2].nice, 10, "caught up: it yields again")
        XCTAssertEqual(applier.catchUps, 1)
    }

    /// The aggregator acknowledges once journaled and applies on its own thread; a reader
    /// (status, metrics) still sees every batch it journaled.
    func testTheCoreAppliesJournaledBatchesBeforeAnyReaderLooks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-applier-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try AggregatorCore(journalDirectory: directory, log: { _ in })
        defer { core.shutdown() }
        var mix = RecordMix(containers: 5, seed: 7)
        let stream = StreamKey(node: "node-a", epoch: 1)
        var sent = 0
        for sequence in 1...50 {
            let batch = RecordBatch(records: sequence == 1 ? mix.containerInfos(node: 0) + mix.nextSecond() : mix.nextSecond())
            sent += batch.records.count
            let frame = Message.batch(sequence: UInt64(sequence), batch).frame()
            guard case .applied = core.ingest(stream: stream, frame: frame, batch: batch) else { return XCTFail("batch \(sequence) not admitted") }
        }
        XCTAssertEqual(core.pipelineCounters.recordsApplied, UInt64(sent))
        XCTAssertEqual(core.pipelineCounters.batchesApplied, 50)
        XCTAssertEqual(core.node("node-a")?.containers.count, 5)
        XCTAssertEqual(core.nodeNames(), ["node-a"])
    }
}
