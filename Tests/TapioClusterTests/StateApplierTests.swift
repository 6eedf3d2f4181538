import Foundation
import NIOConcurrencyHelpers
import TapioSimulation
import TapioWire
import XCTest

@testable import TapioCluster

/// The applier that takes prediction off the event loops: order, read-your-writes, the bound.
final class StateApplierTests: XCTestCase {
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
