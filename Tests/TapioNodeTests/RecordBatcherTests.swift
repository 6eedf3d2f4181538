import TapioWire
import XCTest

@testable import TapioNode

final class RecordBatcherTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    /// A 60-byte record (12-byte envelope, 48-byte body); `pid` carries `index` for order checks.
    private func record(_ index: Int, random: Bool = false) -> Record {
        Record(
            timestampNs: 1_700_000_000_000_000_000 + UInt64(index),
            body: .processRSS(
                ProcessRSS(
                    pid: UInt32(truncatingIfNeeded: index), tgid: 7, cgroupId: 42,
                    anonBytes: random ? UInt64.random(in: 0...UInt64.max) : 4096,
                    fileBytes: random ? UInt64.random(in: 0...UInt64.max) : 0,
                    shmemBytes: random ? UInt64.random(in: 0...UInt64.max) : 0,
                    swapBytes: random ? UInt64.random(in: 0...UInt64.max) : 0)))
    }

    private func decode(_ frame: WireFrame) throws -> (sequence: UInt64, records: [Record]) {
        guard case .batch(let sequence, let batch) = try Message(frame: frame) else {
            XCTFail("not a batch: \(frame.header.type)")
            return (0, [])
        }
        return (sequence, batch.records)
    }

    func testDefaults() {
        let batcher = RecordBatcher()
        XCTAssertEqual(batcher.maxRecords, 2_000)
        XCTAssertEqual(batcher.maxBytes, 512 * 1024)
        XCTAssertEqual(batcher.lingerNs, second)
        XCTAssertTrue(batcher.isEmpty)
        XCTAssertFalse(batcher.isDue(nowNs: .max))
        XCTAssertNil(batcher.lingerDeadlineNs)
    }

    func testDueByRecordCount() throws {
        var batcher = RecordBatcher(maxRecords: 10)
        for i in 0..<9 { batcher.add(record(i), nowNs: 0) }
        XCTAssertFalse(batcher.isDue(nowNs: 0))
        batcher.add(record(9), nowNs: 0)
        XCTAssertTrue(batcher.isDue(nowNs: 0))
        for i in 10..<15 { batcher.add(record(i), nowNs: 0) }

        let frame = try XCTUnwrap(batcher.makeFrame(sequence: 7))
        XCTAssertEqual(frame.header.type, .batch)
        XCTAssertEqual(frame.header.count, 10)
        let (sequence, records) = try decode(frame)
        XCTAssertEqual(sequence, 7)
        XCTAssertEqual(records, (0..<10).map { record($0) })
        XCTAssertEqual(batcher.pendingRecords, 5)
        XCTAssertFalse(batcher.isDue(nowNs: 0))
    }

    func testDueByEncodedBytes() throws {
        var batcher = RecordBatcher(maxBytes: 600)  // ten 60-byte records
        for i in 0..<9 { batcher.add(record(i), nowNs: 0) }
        XCTAssertEqual(batcher.pendingBytes, 540)
        XCTAssertFalse(batcher.isDue(nowNs: 0))
        batcher.add(record(9), nowNs: 0)
        XCTAssertTrue(batcher.isDue(nowNs: 0))
        for i in 10..<15 { batcher.add(record(i), nowNs: 0) }

        let first = try XCTUnwrap(batcher.makeFrame(sequence: 1))
        XCTAssertEqual(first.header.count, 10)
        XCTAssertEqual(first.header.rawLength, 600)
        XCTAssertFalse(batcher.isDue(nowNs: 0))
        let second = try XCTUnwrap(batcher.makeFrame(sequence: 2))
        XCTAssertEqual(try decode(second).records, (10..<15).map { record($0) })
        XCTAssertNil(batcher.makeFrame(sequence: 3))
    }

    func testDueByLingerOfOldestRecord() throws {
        var batcher = RecordBatcher()
        batcher.add(record(0), nowNs: 10 * second)
        batcher.add(record(1), nowNs: 10 * second + second / 2)
        XCTAssertEqual(batcher.lingerDeadlineNs, 11 * second)
        XCTAssertFalse(batcher.isDue(nowNs: 11 * second - 1))
        XCTAssertTrue(batcher.isDue(nowNs: 11 * second))

        let frame = try XCTUnwrap(batcher.makeFrame(sequence: 1))
        XCTAssertEqual(frame.header.count, 2)
        XCTAssertTrue(batcher.isEmpty)
        XCTAssertFalse(batcher.isDue(nowNs: 100 * second))

        // Linger is measured from arrival, not from the record's own (old) timestamp.
        batcher.add(record(2), nowNs: 20 * second)
        XCTAssertFalse(batcher.isDue(nowNs: 20 * second + 1))
    }

    func testLingerFollowsTheRemainingOldestRecordAfterAPartialFrame() throws {
        var batcher = RecordBatcher(maxRecords: 2)
        batcher.add(record(0), nowNs: 0)
        batcher.add(record(1), nowNs: 0)
        batcher.add(record(2), nowNs: 5 * second)
        _ = try XCTUnwrap(batcher.makeFrame(sequence: 1))
        XCTAssertEqual(batcher.lingerDeadlineNs, 6 * second)
        XCTAssertFalse(batcher.isDue(nowNs: 5 * second))
        XCTAssertTrue(batcher.isDue(nowNs: 6 * second))
    }

    func testFrameIsExactlyWhatMessageBatchProduces() throws {
        var batcher = RecordBatcher()
        let records = (0..<500).map { record($0) }
        batcher.add(contentsOf: records, nowNs: 0)
        let frame = try XCTUnwrap(batcher.makeFrame(sequence: 99))
        let expected = Message.batch(sequence: 99, RecordBatch(records: records)).frame(compress: true)
        XCTAssertEqual(frame.wireBytes, expected.wireBytes)
        XCTAssertTrue(frame.header.isCompressed, "repetitive records should compress")
    }

    func testSplitsSoNoFrameExceedsTheWireLimit() throws {
        // A byte budget above the 4 MiB wire limit and incompressible records: frames must
        // still come out within the limit, with every record once and in order.
        var batcher = RecordBatcher(maxRecords: 10_000_000, maxBytes: 64 << 20)
        XCTAssertEqual(batcher.maxBytes, Int(WireLimits.default.maxFrameLength) - FrameHeader.lengthCoveredHeaderSize)
        let total = 150_000  // 9 MB of records
        for i in 0..<total { batcher.add(record(i, random: true), nowNs: 0) }
        XCTAssertTrue(batcher.isDue(nowNs: 0))

        var frames: [WireFrame] = []
        var sequence: UInt64 = 1
        while let frame = batcher.makeFrame(sequence: sequence) {
            frames.append(frame)
            sequence += 1
        }
        XCTAssertEqual(frames.count, 3)
        var next = 0
        for frame in frames {
            XCTAssertLessThanOrEqual(frame.header.length, WireLimits.default.maxFrameLength)
            var bytes = frame.wireBytes
            let parsed = try XCTUnwrap(try WireFrame.parse(from: &bytes, limits: .default))
            for record in try decode(parsed).records {
                guard case .processRSS(let rss) = record.body else { return XCTFail("wrong kind") }
                XCTAssertEqual(Int(rss.pid), next)
                next += 1
            }
        }
        XCTAssertEqual(next, total)
    }

    func testSplitsWithinSmallerWireLimits() throws {
        let limits = WireLimits(maxFrameLength: 10_000)
        var batcher = RecordBatcher(limits: limits)
        XCTAssertEqual(batcher.maxBytes, 10_000 - 24)
        for i in 0..<1_000 { batcher.add(record(i, random: true), nowNs: 0) }
        var seen = 0
        var sequence: UInt64 = 1
        while let frame = batcher.makeFrame(sequence: sequence) {
            XCTAssertLessThanOrEqual(frame.header.length, limits.maxFrameLength)
            var bytes = frame.wireBytes
            XCTAssertNotNil(try WireFrame.parse(from: &bytes, limits: limits))
            seen += Int(frame.header.count)
            sequence += 1
        }
        XCTAssertEqual(seen, 1_000)
        XCTAssertEqual(sequence - 1, 7)  // 166 records of 60 bytes fit in 9,976
    }

    func testRecordTooLargeForTheWireLimitsIsDroppedAndReported() throws {
        var batcher = RecordBatcher(limits: WireLimits(maxFrameLength: 1_000))
        let big = Record(timestampNs: 1, body: .containerInfo(ContainerInfo(cgroupId: 9, cgroupPath: String(repeating: "x", count: 2_000))))
        batcher.add(record(0), nowNs: 3)
        batcher.add(big, nowNs: 4)
        let frame = try XCTUnwrap(batcher.makeFrame(sequence: 1))
        XCTAssertLessThanOrEqual(frame.header.length, 1_000)
        let records = try decode(frame).records
        XCTAssertEqual(records.count, 2)
        guard case .lossReport(let loss) = records[0].body else { return XCTFail("no loss report first") }
        XCTAssertEqual(loss.source, .other)
        XCTAssertEqual(loss.lostRecords, 1)
        XCTAssertGreaterThan(loss.lostBytes, 2_000)
        XCTAssertEqual(records[1], record(0))
    }

    func testLossReportGoesFirstIntoTheNextBatch() throws {
        var batcher = RecordBatcher()
        for i in 0..<3 { batcher.add(record(i), nowNs: 5) }
        let loss = LossReport(source: .spool, lostRecords: 42, lostBytes: 4_200, firstSequence: 3, lastSequence: 5)
        batcher.reportLoss(loss, nowNs: 9)
        XCTAssertEqual(batcher.pendingRecords, 4)
        XCTAssertEqual(batcher.pendingBytes, 3 * 60 + 52)

        let frame = try XCTUnwrap(batcher.makeFrame(sequence: 6))
        XCTAssertEqual(frame.header.count, 4)
        let records = try decode(frame).records
        XCTAssertEqual(records.first, Record(timestampNs: 9, body: .lossReport(loss)))
        XCTAssertEqual(Array(records.dropFirst()), (0..<3).map { record($0) })

        batcher.add(record(3), nowNs: 10)
        let next = try decode(try XCTUnwrap(batcher.makeFrame(sequence: 7))).records
        XCTAssertEqual(next, [record(3)], "a loss is reported once")
    }

    func testLossAloneIsBatchedAfterLinger() throws {
        var batcher = RecordBatcher()
        batcher.reportLoss(LossReport(source: .ringBuffer, lostRecords: 3), nowNs: 0)
        XCTAssertFalse(batcher.isDue(nowNs: second - 1))
        XCTAssertTrue(batcher.isDue(nowNs: second))
        let records = try decode(try XCTUnwrap(batcher.makeFrame(sequence: 1))).records
        XCTAssertEqual(records.count, 1)
        guard case .lossReport(let report) = records[0].body else { return XCTFail("not a loss report") }
        XCTAssertEqual(report.lostRecords, 3)
    }

    func testLossReportsMergeOnlyWhenTheyJoin() throws {
        var batcher = RecordBatcher()
        batcher.reportLoss(LossReport(source: .spool, lostRecords: 10, lostBytes: 100, firstSequence: 1, lastSequence: 2), nowNs: 0)
        batcher.reportLoss(LossReport(source: .spool, lostRecords: 5, lostBytes: 50, firstSequence: 3, lastSequence: 3), nowNs: 1)
        batcher.reportLoss(LossReport(source: .spool, lostRecords: 1, lostBytes: 10, firstSequence: 9, lastSequence: 9), nowNs: 2)
        batcher.reportLoss(LossReport(source: .ringBuffer, lostRecords: 7), nowNs: 3)
        batcher.reportLoss(LossReport(source: .ringBuffer, lostRecords: 8), nowNs: 4)
        XCTAssertEqual(batcher.pendingRecords, 3)
        let reports = try decode(try XCTUnwrap(batcher.makeFrame(sequence: 1))).records.compactMap { record -> LossReport? in
            if case .lossReport(let report) = record.body { return report }
            return nil
        }
        XCTAssertEqual(
            reports,
            [
                LossReport(source: .spool, lostRecords: 15, lostBytes: 150, firstSequence: 1, lastSequence: 3),
                LossReport(source: .spool, lostRecords: 1, lostBytes: 10, firstSequence: 9, lastSequence: 9),
                LossReport(source: .ringBuffer, lostRecords: 15),
            ])
    }

    func testManySmallFramesKeepOrderAcrossCompaction() throws {
        var batcher = RecordBatcher(maxRecords: 3)
        var expected = 0
        var sequence: UInt64 = 1
        for i in 0..<10_000 {
            batcher.add(record(i), nowNs: UInt64(i))
            if batcher.isDue(nowNs: UInt64(i)) {
                for record in try decode(try XCTUnwrap(batcher.makeFrame(sequence: sequence))).records {
                    guard case .processRSS(let rss) = record.body else { return XCTFail("wrong kind") }
                    XCTAssertEqual(Int(rss.pid), expected)
                    expected += 1
                }
                sequence += 1
            }
        }
        XCTAssertEqual(expected, 9_999)
        XCTAssertEqual(batcher.pendingRecords, 1)
    }
}
