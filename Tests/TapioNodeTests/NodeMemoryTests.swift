import XCTest

@testable import TapioNode

/// /proc/meminfo and /proc/pressure/memory, from fixtures and from this machine.
final class NodeMemoryTests: XCTestCase {
    typealias F = CgroupFixtures

    func testFixtureNode() throws {
        var reader = NodeMemoryReader(procRoot: F.path("proc"))
        XCTAssertEqual(try reader.read(), NodeMemorySample(
            memTotalBytes: 8_039_568 * 1024, memAvailableBytes: 2_987_432 * 1024,
            swapTotalBytes: 2_097_148 * 1024, swapFreeBytes: 1_980_412 * 1024,
            pressure: MemoryPressure(
                some: PressureStall(avg10: 1.25, avg60: 0.87, avg300: 0.31, totalMicroseconds: 123_456_789),
                full: PressureStall(avg10: 0.5, avg60: 0.33, avg300: 0.12, totalMicroseconds: 45_678_901))))
    }

    func testWithoutPSI() throws {
        var reader = NodeMemoryReader(procRoot: F.path("proc-no-psi"))
        let sample = try reader.read()
        XCTAssertNil(sample.pressure)
        XCTAssertEqual(sample.memTotalBytes, 8_039_568 * 1024)
    }

    func testMalformedFilesAreNamedInTheError() {
        var reader = NodeMemoryReader(procRoot: F.path("proc-malformed"))
        XCTAssertThrowsError(try reader.read()) { error in
            let error = error as? NodeMemoryReadError
            XCTAssertEqual(error?.filePath, F.path("proc-malformed/pressure/memory"))
            XCTAssertFalse(error?.description.contains("\n") ?? true)
        }
        let meminfo = try? String(contentsOfFile: F.path("proc-malformed/meminfo"), encoding: .utf8)
        XCTAssertThrowsError(try NodeMemorySample.parse(meminfo: meminfo ?? "", pressure: nil)) { error in
            XCTAssertEqual(error as? KernelFileProblem, .missingField("MemAvailable"))
        }
        XCTAssertThrowsError(try NodeMemorySample.parse(meminfo: "MemTotal: lots kB\n", pressure: nil)) { error in
            guard case .malformed(line: 1, _, _)? = error as? KernelFileProblem else { return XCTFail("\(error)") }
        }
        var missing = NodeMemoryReader(procRoot: F.path("does-not-exist"))
        XCTAssertThrowsError(try missing.read()) { error in
            XCTAssertEqual((error as? NodeMemoryReadError)?.problem, .missing)
        }
    }

    func testThisMachine() throws {
        var reader = NodeMemoryReader()
        let sample = try reader.read()
        XCTAssertGreaterThan(sample.memTotalBytes, 64 << 20)
        XCTAssertLessThanOrEqual(sample.memAvailableBytes, sample.memTotalBytes)
        XCTAssertLessThanOrEqual(sample.swapFreeBytes, sample.swapTotalBytes)
    }
}
