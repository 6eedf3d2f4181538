import Foundation
import TapioWire
import XCTest

@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// A real SIGKILL: this test binary is started again as a child that runs only
/// `testChildAppendsUntilKilled` (which does nothing unless the environment says it is the
/// child), appends frames to a spool and reports each one on stdout; the parent kills it
/// mid-stream and opens the spool.
final class DiskFrameSpoolKillTests: XCTestCase {
    private static let childDirectoryVariable = "TAPIO_SPOOL_KILL_CHILD_DIR"
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-spool-kill-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func frame(_ sequence: UInt64) -> WireFrame {
        let records = (0..<20).map { i in
            Record(
                timestampNs: sequence * 1_000 + UInt64(i),
                body: .processRSS(
                    ProcessRSS(
                        pid: UInt32(i), tgid: UInt32(truncatingIfNeeded: sequence), cgroupId: sequence,
                        anonBytes: sequence &* 4096, fileBytes: 2, shmemBytes: 3, swapBytes: 4)))
        }
        return Message.batch(sequence: sequence, RecordBatch(records: records)).frame(compress: true)
    }

    /// The child's side. Appends until killed (or 60 s, so it never outlives a dead parent
    /// for long).
    func testChildAppendsUntilKilled() throws {
        guard let directory = ProcessInfo.processInfo.environment[Self.childDirectoryVariable] else { return }
        let spool = try DiskFrameSpool(directory: directory, maxBytes: 256 << 20, segmentBytes: 64 << 10)
        FileHandle.standardOutput.write(Data("EPOCH \(spool.streamEpoch)\n".utf8))
        let deadline = Date().addingTimeInterval(60)
        var sequence = spool.lastSequence + 1
        while Date() < deadline {
            _ = try spool.append(Self.frame(sequence))
            FileHandle.standardOutput.write(Data("APPENDED \(sequence)\n".utf8))
            sequence += 1
        }
    }

    func testSIGKILLedExporterLosesNoAppendedFrame() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["TapioNodeTests.DiskFrameSpoolKillTests/testChildAppendsUntilKilled"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = directory
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()

        var text = ""
        func lastNumber(after prefix: String) -> UInt64? {
            text.split(separator: "\n").last { $0.hasPrefix(prefix) }.flatMap { UInt64($0.dropFirst(prefix.count)) }
        }
        let giveUp = Date().addingTimeInterval(120)
        while (lastNumber(after: "APPENDED ") ?? 0) < 3_000, Date() < giveUp {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }  // the child ended on its own: the checks below fail
            text += String(decoding: data, as: UTF8.self)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        XCTAssertEqual(child.terminationStatus, SIGKILL)

        let epoch = try XCTUnwrap(lastNumber(after: "EPOCH "), "child output: \(text.suffix(2_000))")
        let acknowledgedByChild = try XCTUnwrap(lastNumber(after: "APPENDED "))
        XCTAssertGreaterThanOrEqual(acknowledgedByChild, 3_000)

        let spool = try DiskFrameSpool(directory: directory, maxBytes: 256 << 20, segmentBytes: 64 << 10)
        XCTAssertEqual(spool.streamEpoch, epoch)
        // Every append that returned is on disk; the one in flight may be too, or torn (then
        // cut and counted, with no sequence consumed).
        XCTAssertGreaterThanOrEqual(spool.lastSequence, acknowledgedByChild)
        XCTAssertLessThanOrEqual(spool.lastSequence, acknowledgedByChild + 1)
        for loss in spool.takeDiscoveredLosses() {
            XCTAssertEqual(loss.firstSequence, 0, "only an unreturned append may be torn: \(loss)")
            XCTAssertLessThanOrEqual(loss.lostRecords, 20)
        }
        XCTAssertGreaterThan(spool.segmentCount, 10, "the run should have rotated segments")

        var expected: UInt64 = 1
        while expected <= spool.lastSequence {
            let frames = try spool.frames(after: expected - 1, limit: 500)
            XCTAssertFalse(frames.isEmpty)
            for frame in frames {
                XCTAssertEqual(frame.header.sequence, expected)
                XCTAssertEqual(frame.wireBytes, Self.frame(expected).wireBytes)
                expected += 1
            }
        }
        XCTAssertEqual(expected, spool.lastSequence + 1)
        XCTAssertNil(try spool.append(Self.frame(spool.lastSequence + 1)))
    }
}
