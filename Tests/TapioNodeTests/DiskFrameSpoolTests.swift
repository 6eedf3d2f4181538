import Foundation
import TapioWire
import XCTest

@testable import TapioNode

final class DiskFrameSpoolTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-spool-tests-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

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

    private func segmentFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted()
    }

    private func fileSize(_ name: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int)
    }

    private func truncate(_ name: String, to size: Int) throws {
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: directory + "/" + name))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    private func flipByte(_ name: String, at offset: Int) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: directory + "/" + name))
        try handle.seek(toOffset: UInt64(offset))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0xFF])
        try handle.close()
    }

    private func sequences(_ spool: DiskFrameSpool, after: UInt64 = 0, limit: Int = 10_000) throws -> [UInt64] {
        try spool.frames(after: after, limit: limit).map(\.header.sequence)
    }

    // MARK: Basics and restart

    func testAppendWritesThroughAndReadsBackAfterRestart() throws {
        let written = (1...6).map { frame(UInt64($0), records: $0) }
        let epoch: UInt64
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            epoch = spool.streamEpoch
            XCTAssertNotEqual(epoch, 0)
            XCTAssertEqual(spool.lastSequence, 0)
            XCTAssertEqual(try segmentFiles(), [])
            for frame in written { XCTAssertNil(try spool.append(frame)) }
            XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000001.tpio"])
            // Write-through: the file already holds every frame (header + frames).
            XCTAssertEqual(try fileSize("segment-00000000000000000001.tpio"), 16 + written.reduce(0) { $0 + $1.header.frameSize })
            XCTAssertEqual(try spool.frames(after: 0, limit: 100), written)
        }
        let epochText = try String(contentsOfFile: directory + "/epoch", encoding: .utf8)
        XCTAssertEqual(epochText, "\(epoch)\n")

        let reopened = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(reopened.streamEpoch, epoch)
        XCTAssertEqual(reopened.lastSequence, 6)
        XCTAssertEqual(reopened.unackedFrames, 6)
        XCTAssertEqual(reopened.unackedBytes, written.reduce(0) { $0 + $1.header.frameSize })
        XCTAssertEqual(reopened.takeDiscoveredLosses(), [])
        XCTAssertEqual(reopened.recoveryNotes, [])
        // From disk (the cache is empty after a restart), CRC-checked, byte for byte.
        XCTAssertEqual(try reopened.frames(after: 0, limit: 100).map(\.wireBytes), written.map(\.wireBytes))
        XCTAssertEqual(try sequences(reopened, after: 4), [5, 6])
        XCTAssertThrowsError(try reopened.append(frame(6)))
        XCTAssertNil(try reopened.append(frame(7)))
        XCTAssertEqual(try sequences(reopened, after: 5), [6, 7])
    }

    func testDumpFormatIsReadableByDumpReader() throws {
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        for sequence in 1...3 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
        let (frames, failure) = try DumpReader.readAll(path: directory + "/segment-00000000000000000001.tpio")
        XCTAssertNil(failure)
        XCTAssertEqual(frames, (1...3).map { frame(UInt64($0)) })
    }

    func testRotatesAndAcknowledgementDeletesSegments() throws {
        // 152-byte frames; 16 + 2 × 152 = 320 fits, a third does not.
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
        for sequence in 1...7 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
        XCTAssertEqual(
            try segmentFiles(),
            [
                "segment-00000000000000000001.tpio", "segment-00000000000000000003.tpio",
                "segment-00000000000000000005.tpio", "segment-00000000000000000007.tpio",
            ])
        XCTAssertEqual(spool.diskBytes, 4 * 16 + 7 * 152)

        try spool.acknowledge(through: 1)  // segment 1 still holds unacked frame 2
        XCTAssertEqual(try segmentFiles().count, 4)
        XCTAssertEqual(spool.unackedFrames, 6)
        try spool.acknowledge(through: 4)
        XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000005.tpio", "segment-00000000000000000007.tpio"])
        XCTAssertEqual(spool.unackedFrames, 3)
        XCTAssertEqual(spool.unackedBytes, 3 * 152)
        XCTAssertEqual(try sequences(spool), [5, 6, 7])
        XCTAssertEqual(try sequences(spool, after: 2), [5, 6, 7])

        try spool.acknowledge(through: 7)
        // Everything acknowledged: only the active segment stays.
        XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000007.tpio"])
        XCTAssertEqual(spool.unackedFrames, 0)
        XCTAssertEqual(spool.unackedBytes, 0)
        XCTAssertEqual(try sequences(spool), [])
        try spool.acknowledge(through: 100)  // beyond what was stored: clamped, harmless
        XCTAssertEqual(spool.lastSequence, 7)
    }

    func testEpochAndNumberingContinueAfterEverythingWasAcknowledged() throws {
        let epoch: UInt64
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
            epoch = spool.streamEpoch
            for sequence in 1...9 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
            try spool.acknowledge(through: 9)
            XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000009.tpio"])
        }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
        XCTAssertEqual(spool.streamEpoch, epoch)
        XCTAssertEqual(spool.lastSequence, 9)
        XCTAssertThrowsError(try spool.append(frame(1)))
        XCTAssertNil(try spool.append(frame(10)))
        XCTAssertNil(try spool.append(frame(11)))
        XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000009.tpio", "segment-00000000000000000011.tpio"])
    }

    func testEmptyActiveSegmentKeepsTheNumbering() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            for sequence in 1...3 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
            // The aggregator applied up to 40 (frames lost locally in a machine crash).
            try spool.resumeNumbering(after: 40)
            XCTAssertEqual(spool.lastSequence, 40)
            XCTAssertEqual(spool.unackedFrames, 0)
            XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000041.tpio"])
            XCTAssertEqual(try fileSize("segment-00000000000000000041.tpio"), 16)
        }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(spool.lastSequence, 40)
        XCTAssertEqual(try sequences(spool), [])
        XCTAssertNil(try spool.append(frame(41)))
        XCTAssertEqual(try sequences(spool), [41])
    }

    func testUnackedFramesFoundAtStartAreResent() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
            for sequence in 1...8 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
            try spool.acknowledge(through: 4)
        }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
        // Acknowledgements are not persisted: the WELCOME's sequence decides what is resent.
        XCTAssertEqual(try sequences(spool), [5, 6, 7, 8])
        XCTAssertEqual(try sequences(spool, after: 6), [7, 8])
        try spool.acknowledge(through: 6)
        XCTAssertEqual(try sequences(spool), [7, 8])
        XCTAssertEqual(spool.unackedFrames, 2)
    }

    func testReadsSpanDiskAndCacheInOrderWithLimits() throws {
        // Cache holds about three frames; the rest comes from several segments on disk.
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 500, cacheBytes: 500)
        let written = (1...20).map { frame(UInt64($0)) }
        for frame in written { _ = try spool.append(frame) }
        XCTAssertEqual(try spool.frames(after: 0, limit: 100), written)
        XCTAssertEqual(try sequences(spool, after: 3, limit: 4), [4, 5, 6, 7])
        XCTAssertEqual(try sequences(spool, after: 15, limit: 3), [16, 17, 18])
        XCTAssertEqual(try sequences(spool, after: 16, limit: 100), [17, 18, 19, 20])
        XCTAssertEqual(try sequences(spool, after: 20, limit: 100), [])
    }

    func testRecentFramesAreServedFromTheCache() throws {
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        let written = frame(1)
        _ = try spool.append(written)
        try flipByte("segment-00000000000000000001.tpio", at: 16 + 40)
        XCTAssertEqual(try spool.frames(after: 0, limit: 10), [written])
    }

    // MARK: Budget

    func testOverBudgetDropsOldestSegmentsWithExactLossCounts() throws {
        // Segments of two frames (16 + 2 × 152 = 320 bytes); the budget holds three segments.
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 960, segmentBytes: 320)
        for sequence in 1...6 as ClosedRange<UInt64> { XCTAssertNil(try spool.append(frame(sequence))) }
        XCTAssertEqual(spool.diskBytes, 960)
        try spool.acknowledge(through: 1)
        // Frame 7 opens a fourth segment: 960 + 168 > 960, so segment 1 (frames 1, 2) goes;
        // frame 1 was acknowledged, so only frame 2 is lost.
        XCTAssertEqual(
            try spool.append(frame(7)),
            LossReport(source: .spool, lostRecords: 2, lostBytes: 152, firstSequence: 2, lastSequence: 2))
        XCTAssertNil(try spool.append(frame(8)))
        XCTAssertEqual(spool.diskBytes, 960)
        // Frame 9 with 9 records (572 bytes) opens a 588-byte segment: segments 3 and 5 must go.
        XCTAssertEqual(
            try spool.append(frame(9, records: 9)),
            LossReport(source: .spool, lostRecords: 8, lostBytes: 4 * 152, firstSequence: 3, lastSequence: 6))
        XCTAssertLessThanOrEqual(spool.diskBytes, 960)
        XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000007.tpio", "segment-00000000000000000009.tpio"])
        XCTAssertEqual(try sequences(spool), [7, 8, 9])
        XCTAssertEqual(try sequences(spool, after: 2), [7, 8, 9])
        XCTAssertEqual(spool.unackedFrames, 3)
        XCTAssertEqual(spool.unackedBytes, 2 * 152 + 572)
    }

    func testBudgetIsEnforcedAtOpenAndReportedAsDiscoveredLoss() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
            for sequence in 1...6 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
        }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 700, segmentBytes: 320)
        XCTAssertEqual(
            spool.takeDiscoveredLosses(),
            [LossReport(source: .spool, lostRecords: 4, lostBytes: 2 * 152, firstSequence: 1, lastSequence: 2)])
        XCTAssertEqual(spool.takeDiscoveredLosses(), [], "reported once")
        XCTAssertEqual(try sequences(spool), [3, 4, 5, 6])
        XCTAssertEqual(spool.lastSequence, 6)
    }

    func testSegmentSizeIsCappedAtHalfTheBudget() throws {
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1_000)
        XCTAssertEqual(spool.segmentBytes, 500)
    }

    // MARK: Crashes

    func testCrashWithTheSpoolStillOpenLosesNothingFlushed() throws {
        // The first instance is never closed or released (as after SIGKILL: no deinit, no
        // close); a second instance reads what it wrote.
        let crashed = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 1_000)
        let written = (1...10).map { frame(UInt64($0)) }
        for frame in written { _ = try crashed.append(frame) }

        let restarted = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 1_000)
        XCTAssertEqual(restarted.streamEpoch, crashed.streamEpoch)
        XCTAssertEqual(restarted.lastSequence, 10)
        XCTAssertEqual(restarted.takeDiscoveredLosses(), [])
        XCTAssertEqual(try restarted.frames(after: 0, limit: 100).map(\.wireBytes), written.map(\.wireBytes))
        XCTAssertNil(try restarted.append(frame(11)))
        withExtendedLifetime(crashed) {}
    }

    func testTornTailIsCutAndCountedAsLoss() throws {
        let name = "segment-00000000000000000001.tpio"
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            _ = try spool.append(frame(1))
            _ = try spool.append(frame(2))
            _ = try spool.append(frame(3, records: 5))  // 332 bytes
        }
        // The crash tore frame 3: only 100 of its 332 bytes reached the file.
        let full = try fileSize(name)
        try truncate(name, to: full - 232)

        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(try fileSize(name), 16 + 2 * 152, "cut back to the last whole frame")
        XCTAssertEqual(spool.lastSequence, 2)
        // The torn frame was never acknowledged (its sequence is reused), so no sequence range.
        XCTAssertEqual(spool.takeDiscoveredLosses(), [LossReport(source: .spool, lostRecords: 5, lostBytes: 100)])
        XCTAssertEqual(spool.recoveryNotes.count, 1)
        XCTAssertTrue(spool.recoveryNotes[0].contains(name), spool.recoveryNotes[0])
        XCTAssertEqual(try sequences(spool), [1, 2])
        XCTAssertNil(try spool.append(frame(3)))

        let again = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(again.takeDiscoveredLosses(), [], "a repair is reported once")
        XCTAssertEqual(try again.frames(after: 0, limit: 10), [frame(1), frame(2), frame(3)])
    }

    func testTornHeaderOfAFreshSegmentIsRepaired() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
            for sequence in 1...2 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
        }
        // A crash right after creating the next segment: only 5 header bytes written.
        XCTAssertTrue(FileManager.default.createFile(
            atPath: directory + "/segment-00000000000000000003.tpio", contents: Data("TPIOD".utf8)))
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 320)
        XCTAssertEqual(spool.lastSequence, 2)
        XCTAssertEqual(spool.takeDiscoveredLosses(), [])
        XCTAssertEqual(try sequences(spool), [1, 2])
        XCTAssertNil(try spool.append(frame(3)))
        XCTAssertEqual(try fileSize("segment-00000000000000000003.tpio"), 16 + 152)
    }

    func testCorruptFrameInAnOlderSegmentLosesItsSequences() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 500)
            for sequence in 1...6 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence, records: 1)) }
        }
        // Segments hold frames 1-5 (16 + 5 × 92 = 476) and 6. Corrupt a payload byte of frame 3.
        XCTAssertEqual(try segmentFiles(), ["segment-00000000000000000001.tpio", "segment-00000000000000000006.tpio"])
        try flipByte("segment-00000000000000000001.tpio", at: 16 + 2 * 92 + 50)

        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 500)
        // The headers of frames 3 to 5 are intact: 1 record each.
        XCTAssertEqual(
            spool.takeDiscoveredLosses(),
            [LossReport(source: .spool, lostRecords: 3, lostBytes: 3 * 92, firstSequence: 3, lastSequence: 5)])
        XCTAssertEqual(try sequences(spool), [1, 2, 6])
        XCTAssertEqual(spool.unackedFrames, 3)
        XCTAssertEqual(spool.lastSequence, 6)
    }

    func testCorruptionInTheActiveSegmentDoesNotReuseSequencesThatMayHaveBeenSent() throws {
        let name = "segment-00000000000000000001.tpio"
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            for sequence in 1...5 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence, records: 3)) }
        }
        // Frames are 212 bytes; corrupt the payload of frame 3. Frames 3-5 were whole
        // appends, so they may have reached the aggregator.
        try flipByte(name, at: 16 + 2 * 212 + 100)
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            XCTAssertEqual(
                spool.takeDiscoveredLosses(),
                [LossReport(source: .spool, lostRecords: 9, lostBytes: 3 * 212, firstSequence: 3, lastSequence: 5)])
            XCTAssertEqual(spool.lastSequence, 5)
            XCTAssertEqual(try sequences(spool), [1, 2])
            XCTAssertEqual(try segmentFiles(), [name, "segment-00000000000000000006.tpio"])
            XCTAssertNil(try spool.append(frame(6)))
        }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(spool.takeDiscoveredLosses(), [], "reported once")
        XCTAssertEqual(spool.lastSequence, 6)
        XCTAssertEqual(try sequences(spool), [1, 2, 6])
    }

    func testFrameFailingItsCRCOnReadIsSkippedAndCounted() throws {
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20, cacheBytes: 0)
        for sequence in 1...3 as ClosedRange<UInt64> { _ = try spool.append(frame(sequence)) }
        try flipByte("segment-00000000000000000001.tpio", at: 16 + 152 + 60)  // inside frame 2
        XCTAssertEqual(try sequences(spool), [1, 3])
        XCTAssertEqual(
            spool.takeDiscoveredLosses(),
            [LossReport(source: .spool, lostRecords: 2, lostBytes: 152, firstSequence: 2, lastSequence: 2)])
        XCTAssertEqual(spool.unackedFrames, 2)
        XCTAssertEqual(try sequences(spool), [1, 3])
        XCTAssertEqual(spool.takeDiscoveredLosses(), [])
    }

    func testRefusedAppendLeavesTheSpoolAsBefore() throws {
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        _ = try spool.append(frame(1))
        XCTAssertThrowsError(try spool.append(frame(3)))
        XCTAssertEqual(try fileSize("segment-00000000000000000001.tpio"), 16 + 152)
        XCTAssertNil(try spool.append(frame(2)))
    }

    // MARK: Refusals

    private func assertRefused(_ expected: (FrameSpoolError) -> Bool, naming path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DiskFrameSpool(directory: directory, maxBytes: 1 << 20), file: file, line: line) { error in
            guard let error = error as? FrameSpoolError else { return XCTFail("untyped error \(error)", file: file, line: line) }
            XCTAssertTrue(expected(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(path), "\(error) does not name \(path)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        }
    }

    func testRefusesADirectoryThatIsAFile() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory, contents: Data("x".utf8)))
        assertRefused({ if case .directoryUnusable = $0 { true } else { false } }, naming: directory)
    }

    func testRefusesADirectoryThatCannotBeCreated() throws {
        // Root can write anywhere, but not below a regular file.
        XCTAssertTrue(FileManager.default.createFile(atPath: directory, contents: Data("x".utf8)))
        let inner = directory + "/spool"
        XCTAssertThrowsError(try DiskFrameSpool(directory: inner, maxBytes: 1 << 20)) { error in
            guard case .directoryUnusable(let path, _) = error as? FrameSpoolError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasPrefix(directory))
        }
    }

    func testRefusesASegmentThatIsNotADump() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "1\n".write(toFile: directory + "/epoch", atomically: true, encoding: .utf8)
        let path = directory + "/segment-00000000000000000001.tpio"
        try "these are not the frames you are looking for".write(toFile: path, atomically: true, encoding: .utf8)
        assertRefused({ if case .notASegment = $0 { true } else { false } }, naming: path)
    }

    func testRefusesAMalformedSegmentName() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/segment-12.tpio"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        assertRefused({ if case .notASegment = $0 { true } else { false } }, naming: path)
    }

    func testRefusesAnEpochFileWithGarbage() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/epoch"
        for garbage in ["banana\n", "", "0\n", "12 34\n", "99999999999999999999999\n"] {
            try garbage.write(toFile: path, atomically: true, encoding: .utf8)
            assertRefused({ if case .badEpochFile = $0 { true } else { false } }, naming: path)
        }
    }

    func testRefusesSegmentsWithoutAnEpoch() throws {
        do {
            let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
            _ = try spool.append(frame(1))
        }
        try FileManager.default.removeItem(atPath: directory + "/epoch")
        assertRefused({ if case .missingEpochFile = $0 { true } else { false } }, naming: directory + "/epoch")
    }

    func testIgnoresUnrelatedFilesAndStaleEpochTemporary() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "notes".write(toFile: directory + "/README", atomically: true, encoding: .utf8)
        try "123".write(toFile: directory + "/epoch.tmp", atomically: true, encoding: .utf8)
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 1 << 20)
        XCTAssertNil(try spool.append(frame(1)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/epoch.tmp"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/README"))
    }
}
