import TapioWire
import XCTest

@testable import TapioNode

final class FrameStoreTests: XCTestCase {
    /// An uncompressed BATCH of `records` 60-byte records: 32 + 60 × records bytes.
    private func frame(_ sequence: UInt64, records: Int = 2) -> WireFrame {
        let batch = (0..<records).map { i in
            Record(
                timestampNs: sequence * 1_000 + UInt64(i),
                body: .processRSS(
                    ProcessRSS(pid: UInt32(i), tgid: 1, cgroupId: sequence, anonBytes: 1, fileBytes: 2, shmemBytes: 3, swapBytes: 4)))
        }
        return Message.batch(sequence: sequence, RecordBatch(records: batch)).frame(compress: false)
    }

    func testAppendReadAcknowledge() throws {
        let store = MemoryFrameStore(maxBytes: 1 << 20)
        XCTAssertEqual(store.lastSequence, 0)
        for sequence in 1...5 { XCTAssertNil(try store.append(frame(UInt64(sequence)))) }
        XCTAssertEqual(store.lastSequence, 5)
        XCTAssertEqual(store.unackedFrames, 5)
        XCTAssertEqual(store.unackedBytes, 5 * 152)

        XCTAssertEqual(try store.frames(after: 0, limit: 100), (1...5).map { frame(UInt64($0)) })
        XCTAssertEqual(try store.frames(after: 2, limit: 2).map(\.header.sequence), [3, 4])
        XCTAssertEqual(try store.frames(after: 5, limit: 10), [])
        XCTAssertEqual(try store.frames(after: 9, limit: 10), [])
        XCTAssertEqual(try store.frames(after: 0, limit: 0), [])

        try store.acknowledge(through: 3)
        XCTAssertEqual(store.unackedFrames, 2)
        XCTAssertEqual(store.unackedBytes, 2 * 152)
        XCTAssertEqual(try store.frames(after: 0, limit: 100).map(\.header.sequence), [4, 5])
        try store.acknowledge(through: 2)  // stale ack: no-op
        XCTAssertEqual(store.unackedFrames, 2)
        try store.acknowledge(through: 5)
        XCTAssertEqual(store.unackedFrames, 0)
        XCTAssertEqual(store.unackedBytes, 0)
        XCTAssertNil(try store.append(frame(6)))
        XCTAssertEqual(try store.frames(after: 0, limit: 100).map(\.header.sequence), [6])
    }

    func testRefusesOutOfOrderAndNonBatchFrames() throws {
        let store = MemoryFrameStore(maxBytes: 1 << 20)
        XCTAssertThrowsError(try store.append(frame(2))) { error in
            XCTAssertEqual(error as? FrameSpoolError, .sequenceNotNext(expected: 1, got: 2))
        }
        _ = try store.append(frame(1))
        XCTAssertThrowsError(try store.append(frame(1)))
        XCTAssertThrowsError(try store.append(Message.heartbeat.frame())) { error in
            XCTAssertEqual(error as? FrameSpoolError, .notABatch(type: MessageType.heartbeat.rawValue))
        }
        XCTAssertEqual(store.lastSequence, 1)
    }

    func testOverBudgetDropsOldestWithExactCounts() throws {
        // Frames of 1, 2, 3, ... records: 92, 152, 212, 272, 332 bytes.
        let store = MemoryFrameStore(maxBytes: 700)
        XCTAssertNil(try store.append(frame(1, records: 1)))
        XCTAssertNil(try store.append(frame(2, records: 2)))
        XCTAssertNil(try store.append(frame(3, records: 3)))  // 456
        // + 272 = 728 > 700: drop frame 1 (92) -> 636.
        XCTAssertEqual(
            try store.append(frame(4, records: 4)),
            LossReport(source: .sendWindow, lostRecords: 1, lostBytes: 92, firstSequence: 1, lastSequence: 1))
        // + 332 = 968: drop 2 (152) and 3 (212) -> 604.
        XCTAssertEqual(
            try store.append(frame(5, records: 5)),
            LossReport(source: .sendWindow, lostRecords: 5, lostBytes: 364, firstSequence: 2, lastSequence: 3))
        XCTAssertEqual(store.unackedFrames, 2)
        XCTAssertEqual(store.unackedBytes, 604)
        XCTAssertEqual(try store.frames(after: 0, limit: 10).map(\.header.sequence), [4, 5])
        XCTAssertEqual(try store.frames(after: 4, limit: 10).map(\.header.sequence), [5])
    }

    func testBudgetNeverDropsTheFrameJustAppended() throws {
        let store = MemoryFrameStore(maxBytes: 100)
        XCTAssertNil(try store.append(frame(1, records: 3)))
        let loss = try store.append(frame(2, records: 3))
        XCTAssertEqual(loss, LossReport(source: .sendWindow, lostRecords: 3, lostBytes: 212, firstSequence: 1, lastSequence: 1))
        XCTAssertEqual(try store.frames(after: 0, limit: 10).map(\.header.sequence), [2])
    }

    func testAcksDropsAndAppendsKeepAccountingOverManyFrames() throws {
        let store = MemoryFrameStore(maxBytes: 5 * 152)
        var lost: UInt64 = 0
        for sequence in 1...1_000 as ClosedRange<UInt64> {
            if let loss = try store.append(frame(sequence)) { lost += loss.lastSequence - loss.firstSequence + 1 }
            if sequence % 7 == 0 { try store.acknowledge(through: sequence - 3) }
        }
        let held = try store.frames(after: 0, limit: 10_000)
        XCTAssertEqual(held.count, store.unackedFrames)
        XCTAssertEqual(held.reduce(0) { $0 + $1.header.frameSize }, store.unackedBytes)
        XCTAssertEqual(held.last?.header.sequence, 1_000)
        XCTAssertEqual(held.map(\.header.sequence), Array((1_001 - UInt64(held.count))...1_000))
        XCTAssertGreaterThan(lost, 0)
    }

    func testEveryStartIsANewEpoch() {
        let first = MemoryFrameStore(maxBytes: 1_000)
        let second = MemoryFrameStore(maxBytes: 1_000)
        XCTAssertNotEqual(first.streamEpoch, 0)
        XCTAssertNotEqual(first.streamEpoch, second.streamEpoch)
        XCTAssertEqual(MemoryFrameStore(maxBytes: 1_000, epoch: 77).streamEpoch, 77)
    }

    func testResumeNumberingAfterTheAggregatorsSequence() throws {
        let store = MemoryFrameStore(maxBytes: 1 << 20)
        _ = try store.append(frame(1))
        _ = try store.append(frame(2))
        try store.resumeNumbering(after: 1)  // behind: no-op
        XCTAssertEqual(store.lastSequence, 2)
        try store.resumeNumbering(after: 10)
        XCTAssertEqual(store.lastSequence, 10)
        XCTAssertEqual(store.unackedFrames, 0)
        XCTAssertThrowsError(try store.append(frame(3)))
        XCTAssertNil(try store.append(frame(11)))
        XCTAssertEqual(try store.frames(after: 0, limit: 10).map(\.header.sequence), [11])
        XCTAssertEqual(store.takeDiscoveredLosses(), [])
    }
}
