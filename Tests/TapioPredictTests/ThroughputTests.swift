import TapioPredict
import XCTest

/// Cost and footprint. The rate is printed, not asserted: debug builds and a busy machine make
/// timings meaningless as pass/fail (run with `-c release` for the real figure).
final class ThroughputTests: XCTestCase {
    private let mib = SeriesRun.mebibyte

    func testAssessmentsPerSecond() {
        // 1,000 containers with full 15-minute histories, each re-assessed after every new sample.
        let containerCount = 1000
        var predictors = [ContainerPredictor](repeating: ContainerPredictor(), count: containerCount)
        var random = SeededGenerator(seed: 41)
        for t in 0..<1000 {
            for index in 0..<containerCount {
                let ws = 200 + 0.05 * Double(t) * Double(index % 7) + 40 * Double(t % 20) / 20 + random.gaussian()
                predictors[index].observe(MemoryObservation(
                    timeSeconds: Double(t), usageBytes: UInt64(ws * mib), limitBytes: UInt64(1024 * mib)))
            }
        }
        let rounds = 20
        var alerting = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for round in 0..<rounds {
                let time = Double(1000 + round)
                for index in 0..<containerCount {
                    predictors[index].observe(MemoryObservation(
                        timeSeconds: time, usageBytes: UInt64((300 + Double(index % 50)) * mib),
                        limitBytes: UInt64(1024 * mib)))
                    if predictors[index].assess(nowSeconds: time).state > .healthy { alerting += 1 }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let count = Double(rounds * containerCount)
        print("throughput: \(Int(count / seconds)) observe+assess per second (\(Int(seconds / count * 1e9)) ns each, \(alerting) alerting)")
        XCTAssertGreaterThan(count, 0)
    }

    func testHistoryFootprintIsFixed() {
        var history = CompactHistory()
        XCTAssertEqual(history.heapBytes, 0)
        for t in 0..<7200 {
            history.record(timeSeconds: Double(t), bytes: UInt64(t) << 20)
        }
        // 50 buckets of 12 bytes (the allocator may round the capacity up a little), array header
        // aside; inline, the predictor is what a fleet keeps per container besides its names.
        XCTAssertLessThanOrEqual(history.heapBytes, 624)
        XCTAssertLessThanOrEqual(MemoryLayout<ContainerPredictor>.size, 360)
        print("history: \(history.heapBytes) bytes of heap, inline \(MemoryLayout<CompactHistory>.size) bytes; predictor inline \(MemoryLayout<ContainerPredictor>.size) bytes")
        withUnsafeTemporaryAllocation(of: EnvelopePoint.self, capacity: CompactHistory.maximumPointCount) { buffer in
            let count = history.copyPoints(into: buffer)
            XCTAssertLessThanOrEqual(count, CompactHistory.maximumPointCount)
            // Fifteen minutes back, oldest first, the envelope being the bucket minima.
            XCTAssertEqual(buffer[count - 1].timeSeconds - buffer[0].timeSeconds, 15 * 60, accuracy: 35)
            for i in 1..<count { XCTAssertLessThan(buffer[i - 1].timeSeconds, buffer[i].timeSeconds) }
            XCTAssertEqual(buffer[count - 1].lowBytes, 7195 * mib)  // the filling 5 s bucket
            // A 30 s bucket keeps its minimum and maximum.
            XCTAssertEqual(buffer[0].highBytes - buffer[0].lowBytes, 29 * mib)
        }
    }

    func testHistoryKeepsTroughsOfASawtooth() {
        var history = CompactHistory()
        for t in 0..<1200 {
            // 7 s sawtooth between 100 and 170 MiB.
            let value = 100 + 10 * Double(t % 7)
            history.record(timeSeconds: Double(t), bytes: UInt64(value * mib))
        }
        withUnsafeTemporaryAllocation(of: EnvelopePoint.self, capacity: CompactHistory.maximumPointCount) { buffer in
            let count = history.copyPoints(into: buffer)
            // Every 30 s coarse bucket contains a trough.
            for i in 0..<(count - CompactHistory.fineBucketCapacity - 2) {
                XCTAssertEqual(buffer[i].lowBytes, 100 * mib)
                XCTAssertEqual(buffer[i].highBytes, 160 * mib)
            }
        }
    }
}
