import XCTest
@testable import TapioNode

/// The schedule that attaches kmem:rss_stat for a window of every period (pure logic).
final class RSSDutyCycleTests: XCTestCase {
    func testStandardIsOpenForTheFirstTenthOfEverySecond() {
        let cycle = RSSDutyCycle.standard
        XCTAssertTrue(cycle.isOpen(atNs: 5_000_000_000))
        XCTAssertTrue(cycle.isOpen(atNs: 5_099_999_999))
        XCTAssertFalse(cycle.isOpen(atNs: 5_100_000_000))
        XCTAssertFalse(cycle.isOpen(atNs: 5_999_999_999))
        XCTAssertEqual(cycle.dutyFraction, 0.1, accuracy: 1e-12)
        XCTAssertEqual(cycle.description, "100 ms of every 1000 ms")
    }

    func testTimeUntilChangeLandsOnTheWindowEdges() throws {
        let cycle = try RSSDutyCycle(windowMilliseconds: 200, periodMilliseconds: 2000)
        XCTAssertEqual(cycle.nanosecondsUntilChange(atNs: 4_000_000_000), 200_000_000)  // window opened: until it closes
        XCTAssertEqual(cycle.nanosecondsUntilChange(atNs: 4_150_000_000), 50_000_000)
        XCTAssertEqual(cycle.nanosecondsUntilChange(atNs: 4_200_000_000), 1_800_000_000)  // closed: until the next opens
        XCTAssertEqual(cycle.nanosecondsUntilChange(atNs: 5_999_000_000), 1_000_000)
        // Following the schedule edge to edge alternates open and closed.
        var now: UInt64 = 6_000_000_123  // 123 ns into a period: open
        var states: [Bool] = []
        for _ in 0..<6 {
            states.append(cycle.isOpen(atNs: now))
            now += try XCTUnwrap(cycle.nanosecondsUntilChange(atNs: now))
        }
        XCTAssertEqual(states, [true, false, true, false, true, false])
    }

    func testWindowEqualToThePeriodIsContinuous() throws {
        let cycle = try RSSDutyCycle(windowMilliseconds: 500, periodMilliseconds: 500)
        XCTAssertTrue(cycle.isContinuous)
        XCTAssertEqual(RSSDutyCycle.continuous.isContinuous, true)
        XCTAssertNil(cycle.nanosecondsUntilChange(atNs: 123_456_789))
        XCTAssertTrue((0..<50).allSatisfy { cycle.isOpen(atNs: UInt64($0) * 37_000_000) })
        XCTAssertEqual(cycle.description, "continuous")
    }

    func testOutOfRangeValuesAreRefusedWithTheReason() {
        for (window, period, expected) in [
            (5, 1000, "RSS window 5 ms must be at least 10 ms"),
            (1500, 1000, "at most the period (1000 ms)"),
            (100, 0, "RSS period 0 ms must be between 1 and 60000 ms"),
            (100, 120_000, "RSS period 120000 ms"),
            (-1, 1000, "RSS window -1 ms"),
        ] {
            XCTAssertThrowsError(try RSSDutyCycle(windowMilliseconds: window, periodMilliseconds: period)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(window)/\(period): \(error)")
            }
        }
    }
}
