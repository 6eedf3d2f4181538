import TapioPredict
import XCTest

/// The packed history against its rule written out plainly (full-precision buckets in arrays):
/// every point, time and value must come out exactly as the plain version computes them, for
/// dense series, ragged ones and series with gaps of hours and days (where the packed indices
/// wrap and old buckets move down or are forgotten).
final class CompactHistoryTests: XCTestCase {
    func testDenseSeriesMatchesThePlainRule() {
        var random = SeededGenerator(seed: 1)
        var time = 1_700_000_000.0
        let samples = (0..<5_000).map { i -> (Double, UInt64) in
            time += 1 + 0.05 * random.gaussian()
            let bytes = 300.0 * 1_048_576 + Double(i) * 40_000 + 5_000_000 * random.gaussian()
            return (time, UInt64(max(bytes, 0)))
        }
        assertMatchesPlainRule(samples)
    }

    func testRaggedSeriesWithGapsMatchesThePlainRule() {
        var random = SeededGenerator(seed: 2)
        let gaps: [Double] = [0, 0.3, 1, 1, 1, 2.5, 7, 31, 95, 600, 3 * 3600, 12 * 3600, 3 * 86400]
        var time = 50.0
        var samples: [(Double, UInt64)] = []
        for _ in 0..<20_000 {
            // Mostly a sample a second; now and then a long silence, or a sample a little
            // earlier than the last (taken as simultaneous).
            let pick = Int.random(in: 0..<100, using: &random)
            if pick < 85 {
                time += 1
            } else if pick < 88 {
                time -= 0.7
            } else {
                time += gaps.randomElement(using: &random)!
            }
            samples.append((time, UInt64.random(in: 0...(64 << 30), using: &random)))
        }
        assertMatchesPlainRule(samples)
    }

    func testHourlySamplesForAMonthMatchThePlainRule() {
        // Sparse enough that the fine ring spans a day and the coarse ring weeks: the packed
        // indices wrap, so buckets 11 h (fine) and 68 h (coarse) behind must be handled.
        let samples = (0..<(24 * 30)).map { (hour: Int) -> (Double, UInt64) in
            (Double(hour) * 3600 + 0.25, UInt64(hour + 1) << 20)
        }
        assertMatchesPlainRule(samples)
        var history = CompactHistory()
        for (time, bytes) in samples { history.record(timeSeconds: time, bytes: bytes) }
        let points = Self.points(of: history)
        XCTAssertEqual(points.last?.timeSeconds, samples.last?.0)
        for i in 1..<points.count { XCTAssertLessThan(points[i - 1].timeSeconds, points[i].timeSeconds) }
        // Nothing kept is older than 68 h of 30 s buckets behind the newest.
        XCTAssertGreaterThan(points[0].timeSeconds, samples.last!.0 - 8192 * 30 - 30)
    }

    func testFootprintIsTwelveBytesABucket() {
        var history = CompactHistory()
        history.record(timeSeconds: 0, bytes: 1 << 20)
        XCTAssertLessThanOrEqual(history.heapBytes, 12 * 52)
        XCTAssertGreaterThanOrEqual(history.heapBytes, 12 * 50)
    }

    // MARK: helpers

    private func assertMatchesPlainRule(_ samples: [(Double, UInt64)], file: StaticString = #filePath, line: UInt = #line) {
        var history = CompactHistory()
        var plain = PlainHistory()
        for (n, (time, bytes)) in samples.enumerated() {
            history.record(timeSeconds: time, bytes: bytes)
            plain.record(timeSeconds: time, bytes: bytes)
            // Compared after every sample early on, then every 97th (the comparison is O(50)).
            guard n < 500 || n % 97 == 0 || n == samples.count - 1 else { continue }
            let packed = Self.points(of: history)
            let expected = plain.points()
            guard packed.count == expected.count else {
                XCTFail("after sample \(n): \(packed.count) points, the plain rule has \(expected.count)", file: file, line: line)
                return
            }
            for (i, (a, b)) in zip(packed, expected).enumerated()
            where a.timeSeconds != b.timeSeconds || a.lowBytes != b.lowBytes || a.highBytes != b.highBytes
                || a.highTimeSeconds != b.highTimeSeconds
            {
                XCTFail("after sample \(n), point \(i): \(a) but the plain rule gives \(b)", file: file, line: line)
                return
            }
        }
    }

    private static func points(of history: CompactHistory) -> [EnvelopePoint] {
        withUnsafeTemporaryAllocation(of: EnvelopePoint.self, capacity: CompactHistory.maximumPointCount) { buffer in
            Array(buffer.prefix(history.copyPoints(into: buffer)))
        }
    }
}

/// CompactHistory's rule with nothing packed: buckets with full indices and times in arrays.
private struct PlainHistory {
    struct Bucket {
        var index: Int64
        var minTenths: UInt32 = 0
        var minKiB: UInt32 = .max
        var maxTenths: UInt32 = 0
        var maxKiB: UInt32 = 0

        mutating func absorb(minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
            if lowKiB < minKiB { minKiB = lowKiB; self.minTenths = minTenths }
            if highKiB >= maxKiB { maxKiB = highKiB; self.maxTenths = maxTenths }
        }
    }

    /// How far behind the newest bucket of its resolution a stored bucket may be.
    static let indexWindow: Int64 = 8192
    var fine: [Bucket] = []
    var coarse: [Bucket] = []
    var openFine: Bucket?
    var openCoarse: Bucket?
    var origin = 0.0
    var latest = 0.0
    var started = false

    mutating func record(timeSeconds: Double, bytes: UInt64) {
        if !started { started = true; origin = timeSeconds; latest = timeSeconds }
        let time = max(timeSeconds, latest)
        latest = time
        let offset = time - origin
        let tenths = UInt32(min((offset * 10).rounded(), Double(UInt32.max)))
        let kib = UInt32(min(bytes / 1024, UInt64(UInt32.max)))
        let index = Int64(offset / CompactHistory.fineBucketSeconds)
        if let open = openFine, index > open.index {
            if fine.count == CompactHistory.fineBucketCapacity { moveToCoarse(fine.removeFirst()) }
            fine.append(open)
            while let first = fine.first, index - first.index >= Self.indexWindow { moveToCoarse(fine.removeFirst()) }
            openFine = nil
        }
        var bucket = openFine ?? Bucket(index: index)
        bucket.absorb(minTenths: tenths, lowKiB: kib, maxTenths: tenths, highKiB: kib)
        openFine = bucket
    }

    mutating func moveToCoarse(_ fineBucket: Bucket) {
        let index = Int64(fineBucket.minTenths) / Int64(CompactHistory.coarseBucketSeconds * 10)
        if let open = openCoarse, index > open.index {
            if coarse.count == CompactHistory.coarseBucketCapacity { coarse.removeFirst() }
            coarse.append(open)
            while let first = coarse.first, index - first.index >= Self.indexWindow { coarse.removeFirst() }
            openCoarse = nil
        }
        var bucket = openCoarse ?? Bucket(index: index)
        bucket.absorb(
            minTenths: fineBucket.minTenths, lowKiB: fineBucket.minKiB, maxTenths: fineBucket.maxTenths,
            highKiB: fineBucket.maxKiB)
        openCoarse = bucket
    }

    func points() -> [EnvelopePoint] {
        (coarse + (openCoarse.map { [$0] } ?? []) + fine + (openFine.map { [$0] } ?? [])).map {
            EnvelopePoint(
                timeSeconds: origin + Double($0.minTenths) / 10, lowBytes: Double($0.minKiB) * 1024,
                highBytes: Double($0.maxKiB) * 1024, highTimeSeconds: origin + Double($0.maxTenths) / 10)
        }
    }
}
