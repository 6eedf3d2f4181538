import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TapioCluster
import TapioSimulation
import TapioWire
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class JournalTests: XCTestCase {
    private var directories: [String] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        directories = []
        super.tearDown()
    }

    private func makeDirectory() -> String {
        var template = Array("/tmp/tapio-journal-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        directories.append(path)
        return path + "/journal"
    }

    /// Realistic BATCH frames: RecordMix seconds, LZ4-compressed, with an optional loss report.
    private static func frames(count: Int, seed: UInt64, containers: Int = 4, lossEvery: Int = 0) -> [WireFrame] {
        var mix = RecordMix(containers: containers, seed: seed)
        return (1...count).map { sequence in
            var records = mix.nextSecond()
            if lossEvery > 0, sequence % lossEvery == 0 {
                records.append(Record(timestampNs: 1, body: .lossReport(LossReport(source: .spool, lostRecords: UInt64(sequence), lostBytes: 64))))
            }
            return Message.batch(sequence: UInt64(sequence), RecordBatch(records: records)).frame()
        }
    }

    /// The same frame with another sequence (CRC recomputed).
    private static func resequenced(_ frame: WireFrame, _ sequence: UInt64) -> WireFrame {
        var header = frame.header
        header.sequence = sequence
        header.crc32c = WireFrame.computeCRC(header: header, payload: frame.payload)
        return WireFrame(header: header, payload: frame.payload)
    }

    private struct Replayed {
        var summary: JournalReplaySummary
        var frames: [(StreamKey, WireFrame)]
    }

    private func replay(_ directory: String, repair: Bool = true) throws -> Replayed {
        var frames: [(StreamKey, WireFrame)] = []
        let summary = try Journal.replay(directory: directory, repair: repair) { frames.append(($0, $1)) }
        return Replayed(summary: summary, frames: frames)
    }

    private func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    private func segmentFrames(_ path: String) throws -> [WireFrame] { try DumpReader.readAll(path: path).frames }

    // MARK: Basics

    func testAppendCommitReplayRebuildsTheLedgerAndTheFramesInOrder() throws {
        let directory = makeDirectory()
        let keys = [StreamKey(node: "node-a", epoch: 1), StreamKey(node: "node-b", epoch: 7), StreamKey(node: "node-a", epoch: 2)]
        let perStream = keys.indices.map { Self.frames(count: 30, seed: UInt64($0 + 1), lossEvery: 7) }
        var expected: [(StreamKey, WireFrame)] = []
        let journal = try Journal(directory: directory)
        var lastIndex: UInt64 = 0
        for round in 0..<30 {
            for (k, key) in keys.enumerated() where (round + k) % 4 != 0 || round == 0 {
                // Stream 1 skips some sequences (a gap the exporter reported).
                let frame = perStream[k][round]
                let result = try journal.append(stream: key, frame: frame)
                guard case .appended(let index) = result else { return XCTFail("\(key) \(round + 1) not appended: \(result)") }
                XCTAssertGreaterThan(index, lastIndex)
                lastIndex = index
                expected.append((key, frame))
            }
        }
        XCTAssertEqual(journal.durableIndex < lastIndex, true)
        XCTAssertEqual(try journal.commit(), journal.appendedIndex)
        XCTAssertGreaterThanOrEqual(journal.durableIndex, lastIndex)
        let live = journal.currentLedger
        XCTAssertGreaterThan(live.streams[keys[1]]!.gaps, 0)
        XCTAssertGreaterThan(live.streams[keys[0]]!.lostRecords[.spool]!, 0)
        try journal.close()

        let replayed = try replay(directory)
        XCTAssertEqual(replayed.summary.issues, [])
        XCTAssertEqual(replayed.summary.ledger, live)
        XCTAssertEqual(replayed.frames.count, expected.count)
        for (got, want) in zip(replayed.frames, expected) {
            XCTAssertEqual(got.0, want.0)
            XCTAssertEqual(got.1, want.1)
        }
        XCTAssertEqual(replayed.summary.batches, UInt64(expected.count))
        XCTAssertEqual(replayed.summary.nextIndex, lastIndex + 1)

        // Reopening replays the same, continues in a new segment, and still deduplicates.
        var reopenedFrames = 0
        let reopened = try Journal(directory: directory) { _, _ in reopenedFrames += 1 }
        XCTAssertEqual(reopenedFrames, expected.count)
        XCTAssertEqual(reopened.replaySummary.ledger, live)
        XCTAssertEqual(reopened.segmentPaths.count, 2)
        XCTAssertEqual(reopened.segmentPaths.last, directory + "/" + JournalSegment.fileName(firstIndex: lastIndex + 1))
        let resent = try reopened.append(stream: keys[0], frame: perStream[0][29])
        XCTAssertEqual(resent, .duplicate(lastApplied: 30, index: 0), "applied before the restart: durable already")
        let next = try reopened.append(stream: keys[0], frame: Self.resequenced(perStream[0][0], 31))
        guard case .appended(let index) = next else { return XCTFail("\(next)") }
        XCTAssertGreaterThan(index, lastIndex + UInt64(2 * keys.count), "after the checkpoint of the new segment")
        try reopened.close()
        let again = try replay(directory)
        XCTAssertEqual(again.frames.count, expected.count + 1)
        XCTAssertEqual(again.summary.ledger.lastApplied(keys[0]), 31)
    }

    func testDuplicatesAreNotJournaledAndWaitForTheOriginalsIndex() throws {
        let directory = makeDirectory()
        let key = StreamKey(node: "n", epoch: 1)
        let frames = Self.frames(count: 3, seed: 9)
        let journal = try Journal(directory: directory)
        guard case .appended(let first) = try journal.append(stream: key, frame: frames[0]) else { return XCTFail() }
        guard case .appended(let second) = try journal.append(stream: key, frame: frames[1]) else { return XCTFail() }
        XCTAssertEqual(try journal.append(stream: key, frame: frames[1]), .duplicate(lastApplied: 2, index: second))
        XCTAssertEqual(try journal.append(stream: key, frame: frames[0]), .duplicate(lastApplied: 2, index: second))
        XCTAssertEqual(second, first + 1, "same stream: no marker between")
        XCTAssertEqual(journal.currentLedger.streams[key]?.duplicatesDropped, 2)
        XCTAssertThrowsError(try journal.append(stream: key, frame: Message.heartbeat.frame())) {
            XCTAssertEqual($0 as? JournalError, .notABatch(.heartbeat))
        }
        try journal.close()
        let replayed = try replay(directory)
        XCTAssertEqual(replayed.frames.map(\.1.header.sequence), [1, 2])
        XCTAssertEqual(replayed.summary.duplicates, 0)
        XCTAssertThrowsError(try journal.append(stream: key, frame: frames[2])) { XCTAssertEqual($0 as? JournalError, .closed) }
    }

    func testStreamMarkersAppearOnlyWhenTheStreamChanges() throws {
        let directory = makeDirectory()
        let a = StreamKey(node: "a", epoch: 1)
        let b = StreamKey(node: "b", epoch: 1)
        let frames = Self.frames(count: 4, seed: 2)
        let journal = try Journal(directory: directory)
        for (key, sequence) in [(a, 1), (a, 2), (b, 1), (b, 2), (a, 3), (b, 3), (b, 4)] {
            try journal.append(stream: key, frame: frames[sequence - 1])
        }
        try journal.close()
        let segment = journal.segmentPaths[0]
        let types = try segmentFrames(segment).map { frame -> String in
            if frame.header.type == .auth, case .auth(let auth)? = try? Message(frame: frame) {
                XCTAssertEqual(auth.role, .exporter)
                XCTAssertEqual(auth.proof.bytes, [UInt8](repeating: 0, count: 32))
                return "@\(auth.nodeName)"
            }
            return "\(frame.header.type)\(frame.header.sequence)"
        }
        XCTAssertEqual(types, ["@a", "BATCH1", "BATCH2", "@b", "BATCH1", "BATCH2", "@a", "BATCH3", "@b", "BATCH3", "BATCH4"])
        XCTAssertTrue(segment.hasSuffix("/journal-00000000000000000001.tpio"))

        // The next segment starts with a checkpoint of both streams.
        let reopened = try Journal(directory: directory)
        try reopened.close()
        let checkpoint = try segmentFrames(reopened.segmentPaths[1]).map { frame -> String in
            if case .auth(let auth)? = try? Message(frame: frame) { return "@\(auth.nodeName)#\(auth.streamEpoch)" }
            return "\(frame.header.type)\(frame.header.sequence)"
        }
        XCTAssertEqual(checkpoint, ["@a#1", "ACK3", "@b#1", "ACK4"])
        XCTAssertTrue(reopened.segmentPaths[1].hasSuffix("/journal-00000000000000000012.tpio"))
    }

    // MARK: Rotation and retention

    func testRotationAndRetentionKeepTheDedupStateThroughCheckpoints() throws {
        let directory = makeDirectory()
        let configuration = JournalConfiguration(segmentBytes: 48 << 10, retentionBytes: 160 << 10)
        let keys = (0..<4).map { StreamKey(node: "node-\($0)", epoch: 3) }
        let templates = Self.frames(count: 8, seed: 5, containers: 8)
        let journal = try Journal(directory: directory, configuration: configuration)
        var sequence: [StreamKey: UInt64] = [:]
        for round in 0..<400 {
            let key = keys[round % keys.count]
            let next = sequence[key, default: 0] + 1
            sequence[key] = next
            try journal.append(stream: key, frame: Self.resequenced(templates[round % templates.count], next))
            if round % 16 == 0 { try journal.commit() }
        }
        try journal.commit()
        let segments = journal.segmentPaths
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/journal-00000000000000000001.tpio"), "the oldest segments were trimmed")
        let total = segments.reduce(0) { $0 + fileSize($1) }
        XCTAssertLessThanOrEqual(total, 160 << 10 + 48 << 10 + 32 << 10, "retention keeps about retentionBytes (+ the active segment)")
        XCTAssertGreaterThanOrEqual(segments.count, 2)
        try journal.close()

        let replayed = try replay(directory)
        XCTAssertEqual(replayed.summary.issues, [])
        for key in keys {
            XCTAssertEqual(replayed.summary.ledger.lastApplied(key), 100, "\(key)")
        }
        XCTAssertLessThan(replayed.frames.count, 400, "trimmed frames are not replayed")
        let reopened = try Journal(directory: directory, configuration: configuration)
        for key in keys {
            XCTAssertEqual(try reopened.append(stream: key, frame: Self.resequenced(templates[0], 1)), .duplicate(lastApplied: 100, index: 0))
            XCTAssertEqual(try reopened.append(stream: key, frame: Self.resequenced(templates[0], 100)), .duplicate(lastApplied: 100, index: 0))
        }
        guard case .appended = try reopened.append(stream: keys[0], frame: Self.resequenced(templates[0], 101)) else { return XCTFail() }
        try reopened.close()
    }

    func testRetentionByAgeDeletesOldSegmentsButNeverTheActiveOne() throws {
        let directory = makeDirectory()
        let key = StreamKey(node: "n", epoch: 1)
        let frames = Self.frames(count: 3, seed: 4)
        for sequence in 0..<3 {
            let journal = try Journal(directory: directory, configuration: JournalConfiguration(retentionSeconds: 3600))
            try journal.append(stream: key, frame: frames[sequence])
            try journal.close()
        }
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(retentionSeconds: 3600))
        XCTAssertEqual(journal.segmentPaths.count, 4)
        let now = Date().timeIntervalSince1970
        for path in journal.segmentPaths {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: now - 7200)], ofItemAtPath: path)
        }
        let deleted = journal.enforceRetention(now: now)
        XCTAssertEqual(deleted.count, 3)
        XCTAssertEqual(journal.segmentPaths.count, 1, "the active segment stays")
        XCTAssertEqual(journal.lastApplied(key), 3)
        try journal.close()
        let replayed = try replay(directory)
        XCTAssertEqual(replayed.frames.count, 0)
        XCTAssertEqual(replayed.summary.ledger.lastApplied(key), 3, "the active segment's checkpoint holds the dedup state")
    }

    // MARK: Damage and crashes

    func testTornTailOfTheLastSegmentIsCutAndAppendingContinues() throws {
        let directory = makeDirectory()
        let key = StreamKey(node: "n", epoch: 1)
        let frames = Self.frames(count: 20, seed: 6)
        let journal = try Journal(directory: directory)
        for frame in frames { try journal.append(stream: key, frame: frame) }
        try journal.close()
        let segment = journal.segmentPaths[0]
        let offsets = try segmentFrames(segment).reduce(into: [DumpFileHeader.size]) { $0.append($0.last! + $1.header.frameSize) }
        // Cut in the middle of the 16th BATCH (frame 17 after the marker).
        let cutAt = offsets[16] + frames[15].header.frameSize / 2
        XCTAssertEqual(truncate(segment, off_t(cutAt)), 0)

        var replayedSequences: [UInt64] = []
        let reopened = try Journal(directory: directory) { _, frame in replayedSequences.append(frame.header.sequence) }
        XCTAssertEqual(replayedSequences, Array(1...15))
        XCTAssertEqual(reopened.replaySummary.issues.count, 1)
        let issue = reopened.replaySummary.issues[0]
        XCTAssertTrue(issue.tailCut)
        XCTAssertEqual(issue.offset, offsets[16])
        XCTAssertEqual(issue.bytesDropped, cutAt - offsets[16])
        XCTAssertEqual(fileSize(segment), offsets[16], "the torn frame was cut off the file")
        XCTAssertEqual(reopened.lastApplied(key), 15)
        // The exporter resends 16...20 (never acked): all applied once.
        for frame in frames[15...] {
            guard case .appended = try reopened.append(stream: key, frame: frame) else { return XCTFail() }
        }
        try reopened.close()
        let replayed = try replay(directory)
        XCTAssertEqual(replayed.summary.issues, [])
        XCTAssertEqual(replayed.frames.map(\.1.header.sequence), Array(1...20))
    }

    func testCorruptionInAnOlderSegmentIsSkippedToTheNextValidFrame() throws {
        let directory = makeDirectory()
        let key = StreamKey(node: "n", epoch: 1)
        let frames = Self.frames(count: 12, seed: 8)
        var journal = try Journal(directory: directory)
        for frame in frames[0..<6] { try journal.append(stream: key, frame: frame) }
        try journal.close()
        journal = try Journal(directory: directory)
        for frame in frames[6..<12] { try journal.append(stream: key, frame: frame) }
        try journal.close()
        let old = journal.segmentPaths[0]
        // Flip a payload byte of the 3rd BATCH of the first segment.
        let offsets = try segmentFrames(old).reduce(into: [DumpFileHeader.size]) { $0.append($0.last! + $1.header.frameSize) }
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: old))
        try handle.seek(toOffset: UInt64(offsets[3] + FrameHeader.size + 5))
        let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: UInt64(offsets[3] + FrameHeader.size + 5))
        handle.write(Data([byte ^ 0xFF]))
        try handle.close()
        let sizeBefore = fileSize(old)

        let replayed = try replay(directory)
        // The damaged BATCH is lost, and 4...6 after it: whose they are is known again from the
        // next marker on (the next segment's checkpoint here).
        XCTAssertEqual(replayed.frames.map(\.1.header.sequence), [1, 2] + Array(7...12))
        XCTAssertEqual(replayed.summary.issues.count, 2)
        XCTAssertTrue(replayed.summary.issues[1].reason.contains("3 BATCH frame(s)"), replayed.summary.issues[1].reason)
        XCTAssertFalse(replayed.summary.issues[0].tailCut)
        XCTAssertEqual(replayed.summary.issues[0].offset, offsets[3])
        XCTAssertEqual(replayed.summary.issues[0].bytesDropped, offsets[4] - offsets[3])
        XCTAssertTrue(replayed.summary.issues[0].reason.contains("CRC"), replayed.summary.issues[0].reason)
        XCTAssertEqual(fileSize(old), sizeBefore, "an older segment is never cut")
        XCTAssertEqual(replayed.summary.ledger.lastApplied(key), 12)
    }

    /// Bit rot in the middle of the segment being appended to: the frames after it are
    /// replayed (they were acknowledged), the file is not cut there, appending goes on, and
    /// the next start sees the same damage and everything after it. Damage that took a stream
    /// marker leaves the BATCHes up to the next marker without a stream: skipped and reported.
    func testCorruptionInTheMiddleOfTheLastSegmentLosesOnlyTheDamagedFrames() throws {
        let directory = makeDirectory()
        let a = StreamKey(node: "a", epoch: 1)
        let b = StreamKey(node: "b", epoch: 1)
        let frames = Self.frames(count: 8, seed: 21)
        var journal = try Journal(directory: directory)
        for frame in frames[0..<4] { try journal.append(stream: a, frame: frame) }  // marker a, 1...4
        for frame in frames[0..<2] { try journal.append(stream: b, frame: frame) }  // marker b, 1...2
        for frame in frames[4..<6] { try journal.append(stream: a, frame: frame) }  // marker a, 5...6
        try journal.close()
        let path = journal.segmentPaths.last!
        let offsets = try segmentFrames(path).reduce(into: [DumpFileHeader.size]) { $0.append($0.last! + $1.header.frameSize) }
        // Frames: 0 marker a, 1-4 BATCH a, 5 marker b, 6-7 BATCH b, 8 marker a, 9-10 BATCH a.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        for frameIndex in [2, 5] {  // BATCH a#2, and b's marker
            try handle.seek(toOffset: UInt64(offsets[frameIndex] + FrameHeader.size + 1))
            let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
            try handle.seek(toOffset: UInt64(offsets[frameIndex] + FrameHeader.size + 1))
            handle.write(Data([byte ^ 0x5A]))
        }
        try handle.close()
        let sizeBefore = fileSize(path)

        var applied: [String] = []
        journal = try Journal(directory: directory) { stream, frame in applied.append("\(stream.node)#\(frame.header.sequence)") }
        // a#2's bytes are lost; a#3 and a#4 follow damage before any marker; b's marker is lost
        // with its BATCHes; a's next marker attributes again.
        XCTAssertEqual(applied, ["a#1", "a#5", "a#6"])
        let issues = journal.replaySummary.issues
        XCTAssertEqual(issues.filter { $0.reason.contains("skipped to the next valid frame") }.map(\.offset), [offsets[2], offsets[5]], "\(issues)")
        XCTAssertEqual(issues.filter { $0.reason.contains("2 BATCH frame(s)") }.count, 2, "\(issues)")
        XCTAssertTrue(issues.allSatisfy { !$0.tailCut })
        XCTAssertEqual(fileSize(path), sizeBefore, "nothing cut in the middle")

        for frame in frames[6..<8] { try journal.append(stream: a, frame: frame) }
        try journal.close()
        applied = []
        journal = try Journal(directory: directory) { stream, frame in applied.append("\(stream.node)#\(frame.header.sequence)") }
        XCTAssertEqual(applied, ["a#1", "a#5", "a#6", "a#7", "a#8"])
        XCTAssertEqual(journal.replaySummary.ledger.lastApplied(a), 8)
        try journal.close()
    }

    /// One stream's long run: its marker is repeated every `framesPerMarker` BATCHes, so a
    /// damaged frame costs the frames up to the next marker, not the rest of the segment.
    func testRepeatedMarkersBoundWhatDamageCosts() throws {
        let directory = makeDirectory()
        let a = StreamKey(node: "a", epoch: 1)
        let count = 2 * Journal.framesPerMarker + 20
        let journal = try Journal(directory: directory)
        for frame in Self.frames(count: count, seed: 22) { try journal.append(stream: a, frame: frame) }
        try journal.close()
        let path = journal.segmentPaths[0]
        let written = try segmentFrames(path)
        XCTAssertEqual(written.filter { $0.header.type == .auth }.count, 3, "a marker before every run of \(Journal.framesPerMarker)")
        let offsets = written.reduce(into: [DumpFileHeader.size]) { $0.append($0.last! + $1.header.frameSize) }
        let damaged = 10  // BATCH 10 (frame 0 is the marker)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offsets[damaged] + 3))  // the CRC field itself
        handle.write(Data([0xEE]))
        try handle.close()

        let replayed = try replay(directory)
        let sequences = replayed.frames.map { Int($0.1.header.sequence) }
        XCTAssertEqual(sequences, Array(1...9) + Array((Journal.framesPerMarker + 1)...count))
        XCTAssertEqual(replayed.summary.ledger.lastApplied(a), UInt64(count))
        XCTAssertTrue(replayed.summary.issues.contains { $0.reason.contains("\(Journal.framesPerMarker - 10) BATCH frame(s)") }, "\(replayed.summary.issues)")
    }

    /// What a SIGKILL leaves: everything write(2) handed to the kernel, nothing of what was
    /// still buffered in the process. The test copies the live directory without closing the
    /// journal, then also tears the copy's last segment at a random point past what was
    /// committed (the page cache may lose an unsynced tail on power loss).
    func testCrashWithoutCloseKeepsEverythingCommitted() throws {
        let directory = makeDirectory()
        let key = StreamKey(node: "n", epoch: 1)
        let frames = Self.frames(count: 200, seed: 10, containers: 30)
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(segmentBytes: 256 << 10, writeBufferBytes: 16 << 10))
        for frame in frames[0..<120] { try journal.append(stream: key, frame: frame) }
        try journal.commit()
        let committedSegments = journal.segmentPaths
        let committedSize = fileSize(committedSegments.last!)
        for frame in frames[120...] { try journal.append(stream: key, frame: frame) }  // not committed

        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<5 {
            let copy = makeDirectory()
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            let live = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            for name in live { try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: copy + "/" + name) }
            let last = copy + "/" + live.last!
            let size = fileSize(last)
            let lastIsCommitted = live.count == committedSegments.count
            let floor = lastIsCommitted ? committedSize : DumpFileHeader.size / 2
            let cut = floor >= size ? size : Int.random(in: floor...size, using: &generator)
            XCTAssertEqual(truncate(last, off_t(cut)), 0)
            let replayed = try replay(copy)
            let sequences = replayed.frames.map(\.1.header.sequence)
            XCTAssertGreaterThanOrEqual(sequences.count, 120, "attempt \(attempt): cut at \(cut) of \(size)")
            XCTAssertEqual(sequences, Array(1...UInt64(sequences.count)), "a contiguous prefix")
            XCTAssertLessThanOrEqual(replayed.summary.issues.count, 1)
            if let issue = replayed.summary.issues.first { XCTAssertTrue(issue.tailCut, "\(issue)") }
            // And the copy opens and takes the resend.
            let reopened = try Journal(directory: copy)
            for frame in frames[sequences.count...] {
                guard case .appended = try reopened.append(stream: key, frame: frame) else { return XCTFail() }
            }
            try reopened.close()
            XCTAssertEqual(try replay(copy).frames.map(\.1.header.sequence), Array(1...200))
        }
        try journal.close()
    }

    /// A real process killed with SIGKILL: this test binary re-runs itself as the child (see
    /// `testCrashChildProcess`), which appends and commits and reports every committed
    /// sequence to a progress file; the parent kills it mid-stream and replays.
    func testSIGKILLedWriterProcessLosesNothingCommitted() throws {
        let executable = CommandLine.arguments[0]
        guard executable.hasSuffix(".xctest") || FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("cannot re-run the test binary (\(executable))")
        }
        let directory = makeDirectory()
        let progress = directory + ".progress"
        var pid: pid_t = 0
        let args = [executable, "TapioClusterTests.JournalTests/testCrashChildProcess"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment["TAPIO_JOURNAL_CRASH_CHILD"] = directory
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        XCTAssertEqual(posix_spawn(&pid, executable, &actions, nil, &argv, &envp), 0)

        // Wait until the child has committed a good amount, then kill it mid-stream.
        var committed: UInt64 = 0
        let deadline = Date().addingTimeInterval(60)
        while committed < 400, Date() < deadline {
            usleep(20_000)
            committed = Self.lastCommitted(progress)
        }
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        XCTAssertEqual(status & 0x7f, SIGKILL, "the child died by SIGKILL, not by finishing")
        committed = Self.lastCommitted(progress)
        XCTAssertGreaterThanOrEqual(committed, 400)

        let replayed = try replay(directory)
        let key = StreamKey(node: "crash-child", epoch: 1)
        let sequences = replayed.frames.filter { $0.0 == key }.map(\.1.header.sequence)
        XCTAssertGreaterThanOrEqual(UInt64(sequences.count), committed, "every committed frame survived")
        XCTAssertEqual(sequences, Array(1...UInt64(sequences.count)), "in order, exactly once")
        for issue in replayed.summary.issues { XCTAssertTrue(issue.tailCut, "\(issue)") }
        print("SIGKILL test: child committed \(committed), replay found \(sequences.count) frames, issues: \(replayed.summary.issues)")
        try? FileManager.default.removeItem(atPath: progress)
    }

    private static func lastCommitted(_ path: String) -> UInt64 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").dropLast(text.hasSuffix("\n") ? 0 : 1).last.flatMap { UInt64($0) } ?? 0
    }

    /// The child of the SIGKILL test; does nothing in a normal run.
    func testCrashChildProcess() throws {
        guard let directory = ProcessInfo.processInfo.environment["TAPIO_JOURNAL_CRASH_CHILD"] else { return }
        let key = StreamKey(node: "crash-child", epoch: 1)
        let templates = Self.frames(count: 16, seed: 12, containers: 20)
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(segmentBytes: 1 << 20))
        let progress = open(directory + ".progress", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        var sequence: UInt64 = 0
        while true {  // until killed
            for _ in 0..<8 {
                sequence += 1
                try journal.append(stream: key, frame: Self.resequenced(templates[Int(sequence) % templates.count], sequence))
            }
            try journal.commit()
            let line = "\(sequence)\n"
            _ = line.withCString { write(progress, $0, strlen($0)) }
        }
    }

    // MARK: Concurrency and the committer

    func testConcurrentAppendersWithACommitterApplyEveryFrameExactlyOnce() throws {
        let directory = makeDirectory()
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(segmentBytes: 2 << 20))
        let committer = JournalCommitter(journal: journal, interval: .milliseconds(1))
        committer.start()
        let templates = Self.frames(count: 16, seed: 13, containers: 10)
        let threads = 8
        let perThread = 1500
        let failures = NIOLockedValueBox<[String]>([])
        let acked = NIOLockedValueBox<[UInt64]>(Array(repeating: 0, count: threads))
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let key = StreamKey(node: "node-\(t)", epoch: 1)
            for sequence in 1...UInt64(perThread) {
                let frame = Self.resequenced(templates[Int(sequence) % templates.count], sequence)
                do {
                    let result = try journal.append(stream: key, frame: frame)
                    // Every tenth frame also arrives twice (a resend racing the original).
                    if sequence % 10 == 0, case .appended = try journal.append(stream: key, frame: frame) {
                        failures.withLockedValue { $0.append("\(key) \(sequence) appended twice") }
                    }
                    if sequence % 100 == 0 {
                        committer.onDurable(result.index) { outcome in
                            if case .success = outcome { acked.withLockedValue { $0[t] = max($0[t], sequence) } }
                        }
                    }
                } catch {
                    failures.withLockedValue { $0.append("\(key) \(sequence): \(error)") }
                }
            }
        }
        committer.stop()
        XCTAssertEqual(failures.withLockedValue { $0 }, [])
        XCTAssertEqual(acked.withLockedValue { $0 }, Array(repeating: UInt64(perThread), count: threads))
        XCTAssertEqual(committer.durableIndex, journal.appendedIndex)
        XCTAssertGreaterThan(committer.commitCount, 1)
        print("concurrency test: \(committer.commitCount) group commits for \(threads * perThread) frames")
        try journal.close()

        let replayed = try replay(directory)
        XCTAssertEqual(replayed.summary.issues, [])
        for t in 0..<threads {
            let key = StreamKey(node: "node-\(t)", epoch: 1)
            XCTAssertEqual(replayed.frames.filter { $0.0 == key }.map(\.1.header.sequence), Array(1...UInt64(perThread)))
            XCTAssertEqual(replayed.summary.ledger.streams[key]?.framesApplied, UInt64(perThread))
        }
    }

    func testWhenDurableCompletesOnTheCallersEventLoop() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let journal = try Journal(directory: makeDirectory())
        let committer = JournalCommitter(journal: journal)
        let key = StreamKey(node: "n", epoch: 1)
        let frame = Self.frames(count: 1, seed: 1)[0]
        let index = try journal.append(stream: key, frame: frame).index
        let future = committer.whenDurable(index, on: loop).map { durable -> (UInt64, Bool) in (durable, loop.inEventLoop) }
        let listened = NIOLockedValueBox<[UInt64]>([])
        let id = committer.addListener { result in if case .success(let d) = result { listened.withLockedValue { $0.append(d) } } }
        committer.start()
        let (durable, onLoop) = try future.wait()
        XCTAssertGreaterThanOrEqual(durable, index)
        XCTAssertTrue(onLoop)
        XCTAssertEqual(try committer.whenDurable(index, on: loop).wait(), durable, "already durable: at once")
        committer.stop()
        committer.removeListener(id)
        XCTAssertEqual(listened.withLockedValue { $0.last }, durable)
        try journal.close()
    }

    // MARK: Errors

    func testForeignFilesLockedAndUnusableDirectoriesAreClearErrors() throws {
        let directory = makeDirectory()
        let journal = try Journal(directory: directory)
        XCTAssertThrowsError(try Journal(directory: directory)) { error in
            XCTAssertEqual(error as? JournalError, .locked(path: directory))
        }
        try journal.close()

        let other = makeDirectory()
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: other + "/notes.txt", contents: Data("hi".utf8))
        XCTAssertThrowsError(try Journal(directory: other)) { error in
            XCTAssertEqual(error as? JournalError, .foreignFile(path: other + "/notes.txt"))
            XCTAssertTrue("\(error)".contains("not a journal segment"))
        }

        let file = makeDirectory()
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        XCTAssertThrowsError(try Journal(directory: file + "/journal")) { error in
            guard case .directoryUnusable(let path, let reason)? = error as? JournalError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file + "/journal")
            XCTAssertTrue(reason.contains("cannot create"), reason)
        }
    }

    func testDiskFullStopsTheJournalWithoutCrashingAndNothingMoreIsAcknowledged() throws {
        let mountPoint = makeDirectory()
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=512k") == 0 else {
            throw XCTSkip("cannot mount a small tmpfs here (\(String(cString: strerror(errno))))")
        }
        defer { umount(mountPoint) }
        let directory = mountPoint + "/journal"
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(writeBufferBytes: 16 << 10))
        let committer = JournalCommitter(journal: journal)
        let key = StreamKey(node: "n", epoch: 1)
        let templates = Self.frames(count: 8, seed: 14, containers: 30)
        var failure: JournalError?
        var lastGood: UInt64 = 0
        for sequence in 1...UInt64(10_000) {
            do {
                let index = try journal.append(stream: key, frame: Self.resequenced(templates[Int(sequence) % 8], sequence)).index
                if sequence % 4 == 0 { lastGood = try committer.commitNow() }
                _ = index
            } catch {
                failure = error
                break
            }
        }
        let error = try XCTUnwrap(failure, "a 512 KiB file system must fill up")
        XCTAssertTrue(error.isDiskFull, "\(error)")
        XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
        XCTAssertNotNil(journal.stopCause)
        XCTAssertThrowsError(try journal.append(stream: key, frame: Self.resequenced(templates[0], 100_000))) {
            guard case .stopped? = $0 as? JournalError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try committer.commitNow())
        let late = NIOLockedValueBox<Result<UInt64, JournalError>?>(nil)
        committer.onDurable(journal.appendedIndex + 1) { result in late.withLockedValue { $0 = result } }
        guard case .failure? = late.withLockedValue({ $0 }) else { return XCTFail("a wait after the failure fails at once") }
        XCTAssertEqual(committer.durableIndex, lastGood, "the durable index never moved past the failure")
        print("disk full: \(error)")

        // What was committed before the failure replays (the torn tail is cut).
        var replayed: [UInt64] = []
        _ = try Journal.replay(directory: directory, repair: false) { replayed.append($1.header.sequence) }
        XCTAssertFalse(replayed.isEmpty)
    }

    // MARK: Throughput

    func testMeasureAppendAndCommitThroughput() throws {
        let directory = makeDirectory()
        // Realistic batches: a node with 50 containers, one simulated second per frame.
        let templates = Self.frames(count: 32, seed: 21, containers: 50)
        let targetBytes = 100 << 20
        let averageSize = templates.reduce(0) { $0 + $1.header.frameSize } / templates.count
        let count = targetBytes / averageSize
        let streams = 8
        let perStream = count / streams
        let prepared: [[WireFrame]] = (0..<streams).map { s in
            (1...perStream).map { Self.resequenced(templates[($0 + s) % templates.count], UInt64($0)) }
        }
        let totalBytes = prepared.joined().reduce(0) { $0 + $1.header.frameSize }
        let totalRecords = prepared.joined().reduce(0) { $0 + Int($1.header.count) }

        // The server decodes every batch before applying it and hands it to the journal, so
        // loss reports are counted without a second decode.
        let batches = try templates.map { frame -> RecordBatch in
            guard case .batch(_, let batch) = try Message(frame: frame) else { throw JournalError.notABatch(frame.header.type) }
            return batch
        }
        let journal = try Journal(directory: directory, configuration: JournalConfiguration(retentionBytes: 4 << 30))
        let committer = JournalCommitter(journal: journal, interval: .milliseconds(1))
        committer.start()
        let start = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: streams) { s in
            let key = StreamKey(node: "bench-\(s)", epoch: 1)
            for (n, frame) in prepared[s].enumerated() {
                _ = try? journal.append(stream: key, frame: frame, batch: batches[(n + 1 + s) % templates.count])
            }
        }
        committer.stop()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        XCTAssertEqual(journal.durableIndex, journal.appendedIndex)
        try journal.close()
        let message = String(
            format: "journal throughput: %d frames (avg %d B, %.1f records/frame), %.1f MB in %.2f s = %.1f MB/s, %.0f records/s, %d group commits",
            streams * perStream, averageSize, Double(totalRecords) / Double(streams * perStream), Double(totalBytes) / 1e6, seconds,
            Double(totalBytes) / 1e6 / seconds, Double(totalRecords) / seconds, committer.commitCount)
        print(message)
    }
}
