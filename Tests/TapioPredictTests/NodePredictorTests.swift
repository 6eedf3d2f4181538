import TapioPredict
import XCTest

final class NodePredictorTests: XCTestCase {
    private let mib = SeriesRun.mebibyte

    func testDecliningAvailableMemoryWarnsWithEtaToTheReserve() {
        var predictor = NodePredictor()
        var random = SeededGenerator(seed: 31)
        let total = UInt64(8192 * mib)
        // MemAvailable falls 4 MiB/s from 3 GiB: the 64 MiB reserve is reached at t ≈ 752 s; the
        // truth is when the noisy series first gets there.
        let series = (0...800).map { t in (3072 - 4 * Double(t) + 8 * random.gaussian()) * mib }
        let exhaustion = Double(try! XCTUnwrap(series.firstIndex { $0 <= 64 * mib }))
        XCTAssertEqual(exhaustion, 752, accuracy: 10)
        var warned: Double?
        for t in 0...700 {
            let time = Double(t)
            let available = series[t]
            predictor.observe(NodeMemoryObservation(
                timeSeconds: time, memTotalBytes: total, memAvailableBytes: UInt64(available), pressureFullAvg10: 0))
            let assessment = predictor.assess(nowSeconds: time)
            if assessment.state >= .warning && warned == nil { warned = time }
            // The ETA aims at the noise peaks, so it runs early by about peak noise / slope (~8 s
            // here): judged while that is small against the time left.
            if t >= 200, exhaustion - time >= 120, let eta = assessment.eta {
                XCTAssertEqual(eta.p50, exhaustion - time, accuracy: 0.1 * (exhaustion - time), "t=\(t)")
            }
        }
        XCTAssertNotNil(warned)
        XCTAssertLessThanOrEqual(warned ?? .infinity, exhaustion - 300)
        XCTAssertEqual(predictor.assess(nowSeconds: 700).state, .critical)
    }

    func testSteadyNodeIsHealthy() {
        var predictor = NodePredictor()
        var random = SeededGenerator(seed: 32)
        for t in 0...3600 {
            let available = (1024 + 50 * random.gaussian()) * mib
            predictor.observe(NodeMemoryObservation(
                timeSeconds: Double(t), memTotalBytes: UInt64(8192 * mib), memAvailableBytes: UInt64(available)))
            XCTAssertEqual(predictor.assess(nowSeconds: Double(t)).state, .healthy, "t=\(t)")
        }
    }

    func testExhaustedUnderPressureIsCritical() {
        var predictor = NodePredictor()
        var state = AlertState.healthy
        for t in 0...30 {
            predictor.observe(NodeMemoryObservation(
                timeSeconds: Double(t), memTotalBytes: UInt64(8192 * mib), memAvailableBytes: UInt64(20 * mib),
                pressureFullAvg10: 40))
            state = predictor.assess(nowSeconds: Double(t)).state
        }
        XCTAssertEqual(state, .critical)
    }
}
