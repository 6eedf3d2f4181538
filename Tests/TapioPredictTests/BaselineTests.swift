import TapioPredict
import XCTest

/// The baselines behave as the designs they stand for, weaknesses included: these tests pin
/// both so the benchmark compares against the real thing.
final class BaselineTests: XCTestCase {
    private let mib = SeriesRun.mebibyte
    private let limit = UInt64(512 * SeriesRun.mebibyte)

    private func observation(_ t: Double, usageMiB: Double, reclaimableMiB: Double = 0) -> MemoryObservation {
        MemoryObservation(
            timeSeconds: t, usageBytes: UInt64(usageMiB * mib), reclaimableBytes: UInt64(reclaimableMiB * mib),
            limitBytes: limit)
    }

    func testEndpointSlopeUsesFirstAndLastOfTenSamples() {
        var baseline = EndpointSlopeBaseline()
        for t in 0..<20 {
            baseline.observe(observation(Double(t), usageMiB: 100 + 2 * Double(t)))
        }
        let assessment = baseline.assess(nowSeconds: 19)
        XCTAssertEqual(assessment.slopeBytesPerSecond, 2 * mib, accuracy: 1)
        // (512 − 138) / 2 = 187 s: inside 15 min, outside 2 min.
        XCTAssertEqual(assessment.etaSeconds ?? 0, 187, accuracy: 0.01)
        XCTAssertEqual(assessment.state, .warning)
    }

    /// Known weakness: each GC cycle's rising edge reads as a leak, so it alerts on a sawtooth that
    /// never grows, and flaps with the phase. Tapio stays quiet on the same series.
    func testEndpointSlopeIsFooledBySawtooth() {
        var baseline = EndpointSlopeBaseline()
        var predictor = ContainerPredictor()
        var baselineAlerts = 0
        var baselineFlaps = 0
        var previous = AlertState.healthy
        for t in 0..<3600 {
            let time = Double(t)
            let usage = 250 + 150 * (time.truncatingRemainder(dividingBy: 30) / 30)
            baseline.observe(observation(time, usageMiB: usage))
            predictor.observe(observation(time, usageMiB: usage))
            let state = baseline.assess(nowSeconds: time).state
            if state > .healthy { baselineAlerts += 1 }
            if state != previous { baselineFlaps += 1 }
            previous = state
            XCTAssertEqual(predictor.assess(nowSeconds: time).state, .healthy)
        }
        print("endpoint slope on a flat sawtooth: \(baselineAlerts) alerting seconds of 3600, \(baselineFlaps) state changes")
        XCTAssertGreaterThan(baselineAlerts, 1000)
        XCTAssertGreaterThan(baselineFlaps, 100)
    }

    func testPredictLinearMatchesLeastSquaresAndWaitsForItsForGate() {
        var gated = PredictLinearBaseline()
        var ungated = PredictLinearBaseline(forSeconds: 0)
        var firstGated: Double?
        var firstUngated: Double?
        for t in 0..<400 {
            let time = Double(t)
            let sample = observation(time, usageMiB: 100 + 0.5 * time)
            gated.observe(sample)
            ungated.observe(sample)
            let g = gated.assess(nowSeconds: time)
            let u = ungated.assess(nowSeconds: time)
            if g.state >= .warning && firstGated == nil { firstGated = time }
            if u.state >= .warning && firstUngated == nil { firstUngated = time }
            if t == 399 {
                XCTAssertEqual(g.slopeBytesPerSecond, 0.5 * mib, accuracy: 1)
                // Intercept at the evaluation time: (512 − 299.5) / 0.5 = 425 s.
                XCTAssertEqual(g.etaSeconds ?? 0, 425, accuracy: 0.01)
            }
        }
        // Projection at now + 900 s reaches 512 MiB from t = (512 − 100 − 450) / 0.5 < 0: at once
        // with two samples; the for: gate holds it back exactly one minute.
        let ungatedTime = try! XCTUnwrap(firstUngated)
        XCTAssertEqual(try XCTUnwrap(firstGated), ungatedTime + 60)
    }

    func testPredictLinearWindowForgetsOldSamples() {
        var baseline = PredictLinearBaseline(windowSeconds: 60)
        for t in 0..<600 {
            // Fast growth long ago, flat for the last five minutes.
            baseline.observe(observation(Double(t), usageMiB: t < 300 ? Double(t) : 300))
        }
        let assessment = baseline.assess(nowSeconds: 599)
        XCTAssertEqual(assessment.slopeBytesPerSecond, 0, accuracy: 1)
        XCTAssertEqual(assessment.state, .healthy)
    }

    /// Known weakness of both baselines: they watch usage, page cache included, so a file read
    /// that fills the cache up to the limit alerts, though the kernel reclaims it. Tapio does not.
    func testBaselinesAreFooledByReclaimablePageCache() {
        var endpoint = EndpointSlopeBaseline()
        var promql = PredictLinearBaseline()
        var predictor = ContainerPredictor()
        var endpointAlerted = false
        var promqlAlerted = false
        for t in 0..<600 {
            let time = Double(t)
            let cache = min(2 * time, 360)
            let sample = observation(time, usageMiB: 150 + cache, reclaimableMiB: cache * 0.9)
            endpoint.observe(sample)
            promql.observe(sample)
            predictor.observe(sample)
            endpointAlerted = endpointAlerted || endpoint.assess(nowSeconds: time).state > .healthy
            promqlAlerted = promqlAlerted || promql.assess(nowSeconds: time).state > .healthy
            XCTAssertEqual(predictor.assess(nowSeconds: time).state, .healthy)
        }
        XCTAssertTrue(endpointAlerted)
        XCTAssertTrue(promqlAlerted)
    }
}
