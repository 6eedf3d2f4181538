import Foundation
import NIOCore
import TapioCluster
import TapioSimulation
import TapioWire
import XCTest

final class StreamLedgerTests: XCTestCase {
    private let a = StreamKey(node: "node-a", epoch: 1)

    private func header(_ sequence: UInt64, count: UInt32 = 3) -> FrameHeader {
        Message.batch(sequence: sequence, RecordBatch(records: Array(SampleRecords.everyKind.prefix(Int(count))))).frame().header
    }

    private func apply(_ ledger: inout StreamLedger, _ key: StreamKey, _ sequence: UInt64, losses: [LossReport] = []) {
        guard case .apply = ledger.admit(key, sequence: sequence) else { return XCTFail("\(sequence) not admitted") }
        ledger.recordApplied(key, header: header(sequence), losses: losses)
    }

    func testUnknownStreamStartsAtZeroAndContiguousSequencesApply() {
        var ledger = StreamLedger()
        XCTAssertEqual(ledger.lastApplied(a), 0)
        XCTAssertEqual(ledger.admit(a, sequence: 1), .apply(missing: 0))
        for sequence in 1...5 { apply(&ledger, a, UInt64(sequence)) }
        let stats = ledger.streams[a]!
        XCTAssertEqual(stats.lastApplied, 5)
        XCTAssertEqual(stats.framesApplied, 5)
        XCTAssertEqual(stats.recordsApplied, 15)
        XCTAssertEqual(stats.bytesApplied, UInt64(5 * header(1).frameSize))
        XCTAssertEqual(stats.gaps, 0)
        XCTAssertEqual(stats.duplicatesDropped, 0)
    }

    func testResentSequencesAreDuplicatesAndChangeNothingButTheCount() {
        var ledger = StreamLedger()
        for sequence in 1...3 { apply(&ledger, a, UInt64(sequence)) }
        let before = ledger.streams[a]!
        XCTAssertEqual(ledger.admit(a, sequence: 3), .duplicate(lastApplied: 3))
        XCTAssertEqual(ledger.admit(a, sequence: 1), .duplicate(lastApplied: 3))
        var after = ledger.streams[a]!
        XCTAssertEqual(after.duplicatesDropped, 2)
        after.duplicatesDropped = 0
        XCTAssertEqual(after, before)
        XCTAssertEqual(ledger.admit(a, sequence: 4), .apply(missing: 0))
    }

    func testAdmissionWithoutRecordLeavesNoTrace() {
        var ledger = StreamLedger()
        XCTAssertEqual(ledger.admit(a, sequence: 1), .apply(missing: 0))
        XCTAssertEqual(ledger.lastApplied(a), 0)
        XCTAssertEqual(ledger.admit(a, sequence: 1), .apply(missing: 0), "a frame never recorded (journal write failed) must be accepted again")
    }

    func testGapIsAcceptedAndTheMissingCountRecorded() {
        var ledger = StreamLedger()
        apply(&ledger, a, 1)
        XCTAssertEqual(ledger.admit(a, sequence: 5), .apply(missing: 3))
        ledger.recordApplied(a, header: header(5), losses: [])
        apply(&ledger, a, 6)
        apply(&ledger, a, 10)
        let stats = ledger.streams[a]!
        XCTAssertEqual(stats.lastApplied, 10)
        XCTAssertEqual(stats.gaps, 2)
        XCTAssertEqual(stats.missingSequences, 3 + 3)
        XCTAssertEqual(ledger.admit(a, sequence: 4), .duplicate(lastApplied: 10), "a late frame from inside a gap is not applied out of order")
    }

    func testLossReportsAreSummedBySource() {
        var ledger = StreamLedger()
        apply(&ledger, a, 1, losses: [LossReport(source: .spool, lostRecords: 10, lostBytes: 1000, firstSequence: 2, lastSequence: 4)])
        apply(&ledger, a, 2, losses: [
            LossReport(source: .ringBuffer, lostRecords: 5, lostBytes: 320),
            LossReport(source: .spool, lostRecords: 7, lostBytes: 700),
        ])
        let stats = ledger.streams[a]!
        XCTAssertEqual(stats.lostRecords[.spool], 17)
        XCTAssertEqual(stats.lostRecords[.ringBuffer], 5)
        XCTAssertEqual(stats.lostBytes[.spool], 1700)
        XCTAssertEqual(stats.lossReports, 3)
        XCTAssertEqual(stats.totalLostRecords, 22)
    }

    func testLossReportsFoundInACompressedFrameMatchTheDecodedBatch() throws {
        var mix = RecordMix(containers: 20, seed: 3)
        var records = mix.nextSecond()
        records.insert(Record(timestampNs: 1, body: .lossReport(LossReport(source: .spool, lostRecords: 99, lostBytes: 9, firstSequence: 3, lastSequence: 8))), at: 17)
        records.append(Record(timestampNs: 2, body: .lossReport(LossReport(source: .readerQueue, lostRecords: 4))))
        let frame = Message.batch(sequence: 9, RecordBatch(records: records)).frame()
        XCTAssertTrue(frame.header.isCompressed)
        let found = StreamLedger.lossReports(in: frame)
        XCTAssertEqual(found.map(\.lostRecords), [99, 4])

        var fromBatch = StreamLedger()
        var fromFrame = StreamLedger()
        fromBatch.recordApplied(a, header: frame.header, batch: RecordBatch(records: records))
        fromFrame.recordApplied(a, header: frame.header, losses: found)
        XCTAssertEqual(fromBatch, fromFrame)
    }

    func testStreamsAreIndependentPerNodeAndEpoch() {
        var ledger = StreamLedger()
        let restarted = StreamKey(node: "node-a", epoch: 2)
        let other = StreamKey(node: "node-b", epoch: 1)
        for sequence in 1...4 { apply(&ledger, a, UInt64(sequence)) }
        XCTAssertEqual(ledger.admit(restarted, sequence: 1), .apply(missing: 0), "a new epoch's sequence 1 is new")
        XCTAssertEqual(ledger.admit(other, sequence: 1), .apply(missing: 0))
        apply(&ledger, restarted, 1)
        XCTAssertEqual(ledger.lastApplied(a), 4)
        XCTAssertEqual(ledger.lastApplied(restarted), 1)
        XCTAssertEqual(ledger.lastApplied(other), 0)
        XCTAssertEqual(Set(ledger.streams.keys), [a, restarted])
    }

    func testRestoreOnlyRaisesTheLastApplied() {
        var ledger = StreamLedger()
        ledger.restore(a, lastApplied: 40)
        XCTAssertEqual(ledger.lastApplied(a), 40)
        ledger.restore(a, lastApplied: 12)
        XCTAssertEqual(ledger.lastApplied(a), 40)
        XCTAssertEqual(ledger.streams[a]?.framesApplied, 0)
        XCTAssertEqual(ledger.admit(a, sequence: 40), .duplicate(lastApplied: 40))
        XCTAssertEqual(ledger.admit(a, sequence: 41), .apply(missing: 0))
    }

    func testStreamKeyOrdersByNodeThenEpochAndCodes() throws {
        let keys = [StreamKey(node: "b", epoch: 1), StreamKey(node: "a", epoch: 9), StreamKey(node: "a", epoch: 2)]
        XCTAssertEqual(keys.sorted().map(\.description), ["a#2", "a#9", "b#1"])
        let decoded = try JSONDecoder().decode(StreamKey.self, from: JSONEncoder().encode(keys[0]))
        XCTAssertEqual(decoded, keys[0])
    }
}
