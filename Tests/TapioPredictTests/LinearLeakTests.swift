import TapioPredict
import XCTest

final class LinearLeakTests: XCTestCase {
    private let mib = SeriesRun.mebibyte

    /// Leaks from 1 MiB/s to 100 MiB/s against 256 MiB…2 GiB limits: once warmed up, the median
    /// ETA is within 10 % of the true time left.
    func testEtaWithinTenPercentOfTruth() {
        let cases: [(rateMiB: Double, limitMiB: Double, startMiB: Double)] = [
            (1, 512, 100), (1, 2048, 1200), (4, 1024, 200), (10, 2048, 300), (25, 4096, 200),
            (100, 16384, 500),
        ]
        for item in cases {
            var random = SeededGenerator(seed: UInt64(item.rateMiB * 1000 + item.limitMiB))
            let limit = UInt64(item.limitMiB * mib)
            let run = SeriesRun.container(duration: 4000) { t in
                let noise = random.gaussian() * 2 * self.mib
                let bytes = max(item.startMiB * self.mib + item.rateMiB * self.mib * t + noise, 0)
                return MemoryObservation(timeSeconds: t, usageBytes: UInt64(bytes), limitBytes: limit)
            }
            // The kill is when the noisy working set first reaches the limit: the run's end.
            let killTime = run.lastTime
            XCTAssertEqual(killTime, (item.limitMiB - item.startMiB) / item.rateMiB, accuracy: 10)
            guard let warned = run.first(atLeast: .warning) else {
                XCTFail("\(item): never warned, ran until \(run.lastTime)")
                continue
            }
            // Judge ETAs once the fit has a minute of history past warm-up.
            var checked = 0
            for step in run.steps where step.timeSeconds >= max(warned.timeSeconds, 120) {
                guard let eta = step.assessment.eta else { continue }
                let truth = killTime - step.timeSeconds
                guard truth >= 30 else { continue }
                XCTAssertEqual(eta.p50, truth, accuracy: 0.1 * truth, "\(item) at t=\(step.timeSeconds)")
                XCTAssertLessThanOrEqual(eta.p10, eta.p50)
                XCTAssertGreaterThanOrEqual(eta.p90, eta.p50)
                checked += 1
            }
            print("leak \(item): kill at \(killTime)s, warned at \(warned.timeSeconds)s, ETA then \(warned.assessment.eta?.p50 ?? -1)s, confidence \(warned.assessment.confidence), checked \(checked)")
        }
    }
}
