import Foundation
import NIOCore
import TapioSimulation
import TapioWire
import XCTest

final class DumpFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func sampleFrames(_ n: Int) -> [WireFrame] {
        var mix = RecordMix(containers: 8)
        return (1...n).map { Message.batch(sequence: UInt64($0), RecordBatch(records: mix.nextSecond())).frame(compress: $0 % 2 == 0) }
    }

    func testWriteThenStreamBackInSmallChunks() throws {
        let path = directory.appendingPathComponent("a.tpio").path
        let frames = sampleFrames(20)
        let writer = try DumpWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.sync()
        // Chunks smaller than a header force frames to span reads.
        let reader = try DumpReader(path: path, chunkSize: 7)
        XCTAssertEqual(Array(reader), frames)
        XCTAssertNil(reader.failure)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertEqual(reader.validLength, size)
    }

    func testTruncatedTailYieldsValidPrefixWithOffset() throws {
        let path = directory.appendingPathComponent("t.tpio").path
        let frames = sampleFrames(5)
        let writer = try DumpWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.sync()
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        let cutAt = full.count - 13
        try full.prefix(cutAt).write(to: URL(fileURLWithPath: path))

        let (read, failure) = try DumpReader.readAll(path: path)
        XCTAssertEqual(read, Array(frames.prefix(4)))
        let lastStart = 16 + frames.prefix(4).map(\.header.frameSize).reduce(0, +)
        XCTAssertEqual(failure?.offset, lastStart)
        XCTAssertEqual(failure?.reason, .truncatedDump(offset: lastStart, needed: frames[4].header.frameSize, available: cutAt - lastStart))
    }

    func testCorruptFrameStopsReadingThere() throws {
        let path = directory.appendingPathComponent("c.tpio").path
        let frames = sampleFrames(3)
        let writer = try DumpWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.sync()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let second = 16 + frames[0].header.frameSize
        bytes[second + 40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (read, failure) = try DumpReader.readAll(path: path)
        XCTAssertEqual(read, [frames[0]])
        XCTAssertEqual(failure?.offset, second)
        guard case .crcMismatch? = failure?.reason else { return XCTFail("\(String(describing: failure))") }
    }

    /// After damage in the middle, `resynchronize` finds the next valid frame (also past a
    /// length field that was hit, and across the reader's chunks); after a torn tail it finds
    /// nothing and the failure stays.
    func testResynchronizeSkipsDamageToTheNextValidFrame() throws {
        let path = directory.appendingPathComponent("s.tpio").path
        let frames = sampleFrames(6)
        let writer = try DumpWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.sync()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let offsets = frames.reduce(into: [16]) { $0.append($0.last! + $1.header.frameSize) }
        bytes[offsets[1] + 40] ^= 0xFF                     // payload of frame 1
        bytes[offsets[3] + 5] ^= 0x7F                      // length field of frame 3
        bytes += frames[5].wireBytes.readableBytesView.prefix(30)  // a torn tail
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let reader = try DumpReader(path: path, chunkSize: 64)
        var read: [WireFrame] = []
        var resumedAt: [Int] = []
        while true {
            if let frame = reader.next() {
                read.append(frame)
                continue
            }
            guard reader.failure != nil, let resumed = reader.resynchronize() else { break }
            resumedAt.append(resumed)
        }
        XCTAssertEqual(read, [frames[0], frames[2], frames[4], frames[5]])
        XCTAssertEqual(resumedAt, [offsets[2], offsets[4]])
        XCTAssertEqual(reader.failure?.offset, offsets[6], "the torn tail stays the failure")
    }

    /// Reopening a dump whose tail was torn by a crash cuts the tail, so appending continues
    /// to produce a readable file.
    func testWriterRepairsTornTailBeforeAppending() throws {
        let path = directory.appendingPathComponent("r.tpio").path
        let frames = sampleFrames(4)
        do {
            let writer = try DumpWriter(path: path)
            for frame in frames.prefix(3) { try writer.append(frame) }
            try writer.sync()
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(frames[3].wireBytes.readableBytesView.prefix(50)))
        try handle.close()

        let writer = try DumpWriter(path: path)
        guard case .truncatedDump? = writer.repairedTail?.reason else { return XCTFail("tail not reported") }
        try writer.append(frames[3])
        try writer.sync()
        let (read, failure) = try DumpReader.readAll(path: path)
        XCTAssertNil(failure)
        XCTAssertEqual(read, frames)
    }

    /// Corruption before the end is not a torn tail: appending would cut good frames, so the
    /// writer refuses and says where.
    func testWriterRefusesToCutCorruptionInTheMiddle() throws {
        let path = directory.appendingPathComponent("m.tpio").path
        let frames = sampleFrames(3)
        do {
            let writer = try DumpWriter(path: path)
            for frame in frames { try writer.append(frame) }
            try writer.sync()
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[16 + 40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try DumpWriter(path: path)) {
            XCTAssertTrue("\($0)".contains("is corrupt at byte 16"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, bytes.count, "file left as it was")
    }

    func testNotADumpIsRefusedWithReason() throws {
        let path = directory.appendingPathComponent("x.tpio").path
        try Data("hello world, not a dump".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try DumpReader(path: path)) {
            XCTAssertEqual($0 as? WireError, .badDumpHeader("magic is not \"TPIODUMP\""))
        }
        try Data("TPIO".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try DumpReader(path: path)) {
            XCTAssertEqual($0 as? WireError, .badDumpHeader("file is 4 bytes, shorter than the 16-byte header"))
        }
        XCTAssertThrowsError(try DumpReader(path: directory.appendingPathComponent("missing").path)) {
            XCTAssertTrue("\($0)".contains("No such file"), "\($0)")
        }
        XCTAssertThrowsError(try DumpWriter(path: path), "appending to a non-dump must not clobber it")
    }
}
