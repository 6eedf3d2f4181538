import TapioPredict
import XCTest

/// Is the confidence a probability? An ensemble of synthetic containers with known fates (leaks
/// that reach the limit, leaks that stop short, noise, sawtooth), and for every alerting
/// evaluation the issued confidence against whether the kill came within the warning horizon.
///
/// The leaks' durations follow the predictor's own persistence prior (Lomax with the configured
/// scale), so this checks the statistical half (slope uncertainty, envelope, hysteresis selection)
/// under a stated assumption about how long leaks last; the benchmark checks real workloads.
final class CalibrationTests: XCTestCase {
    private let mib = SeriesRun.mebibyte

    private struct Sample {
        var confidence: Double
        var cameTrue: Bool
    }

    private struct Bucket {
        var count = 0
        var confidenceSum = 0.0
        var hits = 0
    }

    func testConfidenceIsCalibrated() {
        let configuration = PredictorConfiguration()
        var random = SeededGenerator(seed: 2026)
        var samples: [Sample] = []
        var warnedKills = 0
        var kills = 0
        var falseAlarmSeries = 0
        let seriesCount = 360
        for index in 0..<seriesCount {
            let series = makeSeries(index: index, random: &random)
            let kill = series.values.firstIndex { $0 >= series.limitMiB }
            if kill != nil { kills += 1 }
            var predictor = ContainerPredictor(configuration: configuration)
            var warned = false
            let end = kill ?? (series.values.count - 1)
            for t in 0...end {
                let time = Double(t)
                predictor.observe(MemoryObservation(
                    timeSeconds: time, usageBytes: UInt64(series.values[t] * mib),
                    limitBytes: UInt64(series.limitMiB * mib)))
                // The aggregator may evaluate less often than it samples; every 2 s keeps this fast.
                guard t % 2 == 0 else { continue }
                let assessment = predictor.assess(nowSeconds: time)
                guard assessment.state >= .warning, assessment.reason == .trend else { continue }
                warned = true
                // One sample per 30 s of alerting: neighbouring evaluations are nearly copies.
                guard t % 30 == 0 else { continue }
                let cameTrue = kill.map { Double($0) - time <= configuration.warningHorizonSeconds } ?? false
                samples.append(Sample(confidence: assessment.confidence, cameTrue: cameTrue))
            }
            if warned && kill != nil { warnedKills += 1 }
            if warned && kill == nil { falseAlarmSeries += 1 }
        }

        // Alerts fire at ≥ 50 %; below that are alerts held up by hysteresis, pooled in one bucket.
        var buckets = [Bucket](repeating: Bucket(), count: 6)
        for sample in samples {
            let slot = min(max(Int((sample.confidence - 0.4) * 10), 0), 5)
            buckets[slot].count += 1
            buckets[slot].confidenceSum += sample.confidence
            buckets[slot].hits += sample.cameTrue ? 1 : 0
        }
        print("calibration: \(seriesCount) series, \(kills) killed, \(warnedKills) of them warned, \(falseAlarmSeries) unkilled series warned, \(samples.count) samples")
        print("bucket      n   mean confidence   observed hit rate")
        var checked = 0
        for (slot, bucket) in buckets.enumerated() {
            let low = slot == 0 ? 0 : 40 + slot * 10
            let high = slot == 0 ? 50 : low + 10
            guard bucket.count > 0 else {
                print("\(low)-\(high)%     0")
                continue
            }
            let meanConfidence = bucket.confidenceSum / Double(bucket.count)
            let hitRate = Double(bucket.hits) / Double(bucket.count)
            print("\(low)-\(high)%  \(bucket.count)   \(percent(meanConfidence))   \(percent(hitRate))")
            if bucket.count >= 40 {
                XCTAssertEqual(hitRate, meanConfidence, accuracy: 0.10, "bucket \(low)%")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 3, "too few well-filled buckets to judge calibration")
    }

    private func percent(_ value: Double) -> String {
        "\(Int((value * 1000).rounded()) / 10).\(Int((value * 1000).rounded()) % 10)%"
    }

    private struct Series {
        var limitMiB: Double
        var values: [Double]
    }

    /// A container's working set for 40 minutes at 1 Hz.
    private func makeSeries(index: Int, random: inout SeededGenerator) -> Series {
        let limits: [Double] = [256, 512, 1024, 2048]
        let limit = limits[index % limits.count]
        let start = limit * Double.random(in: 0.1...0.5, using: &random)
        let noise = limit * Double.random(in: 0.002...0.02, using: &random)
        let sawtoothAmplitude = Bool.random(using: &random) ? limit * Double.random(in: 0.02...0.15, using: &random) : 0
        let sawtoothPeriod = Double.random(in: 8...30, using: &random)
        let kind = index % 6
        // Kinds 0–3 leak, 4 is flat noise, 5 is a flat sawtooth.
        let leaks = kind < 4
        let timeToLimit = Double.random(in: 240...1800, using: &random)
        let rate = leaks ? (limit - start - sawtoothAmplitude) / timeToLimit : 0
        let leakStart = Double.random(in: 60...300, using: &random)
        // Lomax(scale s, shape 1): P(duration > x) = s / (s + x).
        let scale = PredictorConfiguration().leakPersistenceScaleSeconds
        let u = Double.random(in: 1e-9..<1, using: &random)
        let leakDuration = scale * (1 / u - 1)
        var values: [Double] = []
        values.reserveCapacity(2400)
        for t in 0..<2400 {
            let time = Double(t)
            let leaked = rate * min(max(time - leakStart, 0), leakDuration)
            let phase = time.truncatingRemainder(dividingBy: sawtoothPeriod) / sawtoothPeriod
            values.append(max(start + leaked + sawtoothAmplitude * phase + noise * random.gaussian(), 0))
        }
        return Series(limitMiB: limit, values: values)
    }
}
