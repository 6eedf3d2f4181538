import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import TapioSimulation
import TapioWire
import XCTest

@testable import TapioCluster

/// ACKs wait in their loop's outbox until the journal made their frames durable, and go out
/// then: at the next read on the loop, or from the one task per loop that each commit sends.
final class AckOutboxTests: XCTestCase {
    private struct JournalStopped: Error {}

    func testOnlyDurableFramesAreAcknowledgedInTheOrderTheyCame() {
        let loop = EmbeddedEventLoop()
        let durable = NIOLockedValueBox<UInt64>(2)
        let outbox = AckOutbox(eventLoop: loop) { .success(durable.withLockedValue { $0 }) }
        var acked: [UInt64] = []
        var failed = 0
        func add(index: UInt64, sequence: UInt64) {
            outbox.add(index: index, sequence: sequence, received: .now(), acknowledge: { sequence, _ in acked.append(sequence) }, fail: { _ in failed += 1 })
        }
        add(index: 1, sequence: 10)
        XCTAssertEqual(acked, [10], "already durable: acknowledged at once")
        XCTAssertFalse(outbox.waiting.withLockedValue { $0 })
        add(index: 5, sequence: 11)
        add(index: 3, sequence: 12)
        add(index: 2, sequence: 13)  // a duplicate's index: that of the frame it repeats
        XCTAssertEqual(acked, [10, 13], "index 2 is durable, 3 and 5 are not")
        XCTAssertEqual(outbox.count, 2)
        XCTAssertTrue(outbox.waiting.withLockedValue { $0 }, "the committer must schedule a flush")
        durable.withLockedValue { $0 = 4 }
        outbox.flush()
        XCTAssertEqual(acked, [10, 13, 12])
        outbox.flush(.success(5))
        XCTAssertEqual(acked, [10, 13, 12, 11])
        XCTAssertEqual(outbox.count, 0)
        XCTAssertFalse(outbox.waiting.withLockedValue { $0 })
        XCTAssertEqual(failed, 0)
    }

    func testAStoppedJournalFailsEveryWaitingAckAndAcknowledgesNone() {
        let loop = EmbeddedEventLoop()
        let outbox = AckOutbox(eventLoop: loop) { .success(0) }
        var acked = 0
        var failed = 0
        for index in 1...3 {
            outbox.add(index: UInt64(index), sequence: UInt64(index), received: .now(), acknowledge: { _, _ in acked += 1 }, fail: { _ in failed += 1 })
        }
        outbox.flush(.failure(JournalStopped()))
        XCTAssertEqual(acked, 0)
        XCTAssertEqual(failed, 3)
        XCTAssertEqual(outbox.count, 0)
        XCTAssertFalse(outbox.waiting.withLockedValue { $0 })
    }

    /// The real path: a journaled batch, the committer's fsync, its listener's task on the loop.
    func testTheCoresCommitterFlushesTheOutboxOnItsLoopAfterTheFsync() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try AggregatorCore(journalDirectory: directory, log: { _ in })
        defer { core.shutdown() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let stream = StreamKey(node: "node-a", epoch: 1)
        let acked = NIOLockedValueBox<[UInt64]>([])
        var mix = RecordMix(containers: 3, seed: 3)
        for sequence in UInt64(1)...20 {
            let batch = RecordBatch(records: mix.nextSecond())
            let frame = Message.batch(sequence: sequence, batch).frame()
            try loop.submit {
                guard case .applied(let index) = core.ingest(stream: stream, frame: frame, batch: batch) else { return XCTFail("not admitted") }
                core.ackOutbox(on: loop).add(
                    index: index, sequence: sequence, received: .now(),
                    acknowledge: { sequence, _ in
                        XCTAssertTrue(loop.inEventLoop)
                        XCTAssertGreaterThanOrEqual(core.journal?.durableIndex ?? 0, index, "acknowledged only once durable")
                        acked.withLockedValue { $0.append(sequence) }
                    },
                    fail: { error in XCTFail("\(error)") })
            }.wait()
        }
        // No read follows on this loop: only the committer's task can deliver them.
        let deadline = Date().addingTimeInterval(10)
        while acked.withLockedValue({ $0.count }) < 20, Date() < deadline { usleep(5_000) }
        XCTAssertEqual(acked.withLockedValue { $0 }, Array(1...20))
    }
}
