import TapioPredict
import XCTest

/// Synthetic series whose truth is known by construction: each test says what a good predictor
/// must (or must not) do.
final class ScenarioTests: XCTestCase {
    private let mib = SeriesRun.mebibyte
    private let limit512 = UInt64(512 * SeriesRun.mebibyte)

    private func observation(_ t: Double, workingSetMiB: Double, limit: UInt64?) -> MemoryObservation {
        MemoryObservation(timeSeconds: t, usageBytes: UInt64(max(workingSetMiB, 0) * mib), limitBytes: limit)
    }

    /// Garbage-collector sawtooth: rises linearly over `period`, drops back to the trough.
    private func sawtooth(_ t: Double, period: Double, amplitudeMiB: Double) -> Double {
        let phase = t.truncatingRemainder(dividingBy: period) / period
        return amplitudeMiB * phase
    }

    func testStepLeakWarnsBeforeTheKill() {
        var random = SeededGenerator(seed: 11)
        // +40 MiB every 60 s from 100 MiB: the limit is crossed on the 11th step.
        let run = SeriesRun.container(duration: 3000) { t in
            let steps = (t / 60).rounded(.down)
            return self.observation(t, workingSetMiB: 100 + 40 * steps + random.gaussian(), limit: self.limit512)
        }
        let kill = run.lastTime
        XCTAssertEqual(kill, 660, accuracy: 1)
        let warned = try! XCTUnwrap(run.firstTime(atLeast: .warning))
        XCTAssertLessThanOrEqual(warned, kill - 120, "step leak warned only \(kill - warned)s ahead")
        print("step leak: kill \(kill)s, warned \(warned)s, critical \(run.firstTime(atLeast: .critical) ?? -1)s")
    }

    func testSingleStepThenFlatDoesNotAlert() {
        var random = SeededGenerator(seed: 12)
        // One level change (a cache filled, a batch loaded), then flat for half an hour.
        let run = SeriesRun.container(duration: 2400) { t in
            self.observation(t, workingSetMiB: (t < 300 ? 120 : 320) + random.gaussian(), limit: self.limit512)
        }
        XCTAssertEqual(run.maximumState, .healthy)
    }

    func testSawtoothWithSlowLeakWarns() {
        var random = SeededGenerator(seed: 13)
        // Troughs grow 0.3 MiB/s under an 80 MiB, 20 s sawtooth: peaks reach 512 MiB at ~940 s.
        let run = SeriesRun.container(duration: 3000) { t in
            let ws = 150 + 0.3 * t + self.sawtooth(t, period: 20, amplitudeMiB: 80) + random.gaussian()
            return self.observation(t, workingSetMiB: ws, limit: self.limit512)
        }
        let kill = run.lastTime
        XCTAssertEqual(kill, 940, accuracy: 25)
        let warned = try! XCTUnwrap(run.first(atLeast: .warning))
        XCTAssertLessThanOrEqual(warned.timeSeconds, kill - 300)
        // The ETA is to the peaks, not the troughs.
        let late = run.steps.first { $0.timeSeconds == kill - 200 }!.assessment
        XCTAssertEqual(try XCTUnwrap(late.eta).p50, 200, accuracy: 30)
        print("sawtooth leak: kill \(kill)s, warned \(warned.timeSeconds)s at \(Int(warned.assessment.confidence * 100))%")
    }

    func testSawtoothWithoutLeakNeverAlerts() {
        for (seed, period) in [(14, 20.0), (15, 45.0), (16, 7.0)] {
            var random = SeededGenerator(seed: UInt64(seed))
            // Peaks at 400 of 512 MiB for three hours.
            let run = SeriesRun.container(duration: 3 * 3600) { t in
                let ws = 250 + self.sawtooth(t, period: period, amplitudeMiB: 150) + 3 * random.gaussian()
                return self.observation(t, workingSetMiB: ws, limit: self.limit512)
            }
            XCTAssertEqual(run.maximumState, .healthy, "period \(period)")
            XCTAssertEqual(run.steps.filter { $0.assessment.rawState > .healthy }.count, 0, "period \(period)")
        }
    }

    func testWarmUpRampThatPlateausDoesNotAlert() {
        for rampSeconds in [20.0, 40.0, 55.0] {
            var random = SeededGenerator(seed: 17)
            // Start-up fills 380 of 512 MiB, then holds.
            let run = SeriesRun.container(duration: 1800) { t in
                let ws = 20 + 360 * min(t / rampSeconds, 1) + 2 * random.gaussian()
                return self.observation(t, workingSetMiB: ws, limit: self.limit512)
            }
            XCTAssertEqual(run.maximumState, .healthy, "ramp \(rampSeconds)s")
            XCTAssertEqual(run.steps.first!.assessment.reason, .warmingUp)
        }
    }

    /// Known limit of the warm-up gate: a ramp that outlasts it looks like a leak while it
    /// lasts (4 MiB/s with 130 MiB left is a real risk), and clears once it has plateaued.
    func testRampOutlastingWarmUpAlertsThenClears() {
        var random = SeededGenerator(seed: 23)
        let run = SeriesRun.container(duration: 1200) { t in
            let ws = 20 + 360 * min(t / 90, 1) + 2 * random.gaussian()
            return self.observation(t, workingSetMiB: ws, limit: self.limit512)
        }
        let cleared = run.steps.last { $0.assessment.state > .healthy }?.timeSeconds ?? 0
        print("ramp outlasting warm-up: alerted \(run.firstTime(atLeast: .warning) ?? -1)s, last alert \(cleared)s")
        XCTAssertLessThan(cleared, 400)
        XCTAssertEqual(run.steps.last!.assessment.state, .healthy)
    }

    func testPureNoiseNeverAlerts() {
        for (seed, meanMiB, sigmaMiB) in [(18, 300.0, 20.0), (19, 460.0, 10.0)] {
            var random = SeededGenerator(seed: UInt64(seed))
            let run = SeriesRun.container(duration: 3 * 3600) { t in
                self.observation(t, workingSetMiB: meanMiB + sigmaMiB * random.gaussian(), limit: self.limit512)
            }
            XCTAssertEqual(run.maximumState, .healthy, "mean \(meanMiB)")
        }
    }

    func testReclaimablePageCacheGrowthDoesNotAlert() {
        // Working set flat at 150 MiB; a file read fills the page cache until the charge sits at
        // the limit, where reclaim keeps freeing what it scans.
        let run = SeriesRun.container(duration: 1800) { t in
            let cache = min(5 * t, 512 - 150 - 2)
            let atLimit = cache >= 512 - 150 - 2
            return MemoryObservation(
                timeSeconds: t, usageBytes: UInt64((150 + cache) * self.mib),
                reclaimableBytes: UInt64(cache * 0.9 * self.mib), limitBytes: self.limit512,
                limitHits: atLimit ? UInt64(t * 20) : 0, reclaimScanned: UInt64(t * 2000),
                reclaimReclaimed: UInt64(t * 1900), pressureFullAvg10: 0.5)
        }
        XCTAssertEqual(run.maximumState, .healthy)
    }

    func testPinnedAtLimitWithFailingReclaimIsCritical() {
        // A GC runtime holds its heap just under the limit, then is pinned at it, thrashing:
        // slope zero, so no trend can see it.
        let pinnedAt = 200.0
        let run = SeriesRun.container(duration: 600) { t in
            let pinned = t >= pinnedAt
            let ws = pinned ? 509.0 : 495
            return MemoryObservation(
                timeSeconds: t, usageBytes: UInt64((ws + 1) * self.mib), reclaimableBytes: UInt64(1 * self.mib),
                limitBytes: self.limit512, limitHits: pinned ? UInt64((t - pinnedAt) * 40) : 0,
                reclaimScanned: UInt64(t * 100) + (pinned ? UInt64((t - pinnedAt) * 5000) : 0),
                reclaimReclaimed: UInt64(t * 90) + (pinned ? UInt64((t - pinnedAt) * 100) : 0),
                pressureFullAvg10: pinned ? 35 : 0)
        }
        let critical = try! XCTUnwrap(run.first(atLeast: .critical))
        XCTAssertEqual(critical.assessment.reason, .atLimitReclaimFailing)
        XCTAssertLessThanOrEqual(critical.timeSeconds, pinnedAt + 15)
        XCTAssertEqual(run.steps.last!.assessment.state, .critical)
        XCTAssertEqual(run.steps.last!.assessment.reason, .atLimitReclaimFailing)
    }

    func testPinnedAtLimitOnCgroupV1IsCritical() {
        // v1: no reclaim counters, no PSI; the working set at the limit and failcnt rising.
        let run = SeriesRun.container(duration: 400) { t in
            MemoryObservation(
                timeSeconds: t, usageBytes: UInt64(511 * self.mib), reclaimableBytes: UInt64(2 * self.mib),
                limitBytes: self.limit512, limitHits: t > 100 ? UInt64((t - 100) * 10) : 0)
        }
        let critical = try! XCTUnwrap(run.first(atLeast: .critical))
        XCTAssertEqual(critical.assessment.reason, .atLimitReclaimFailing)
        XCTAssertLessThanOrEqual(critical.timeSeconds, 115)
    }

    func testLoweredLimitWarnsSooner() {
        var random = SeededGenerator(seed: 20)
        let high = UInt64(2048 * mib)
        let low = UInt64(1024 * mib)
        // 1 MiB/s from 100 MiB: ~27 min left under 2 GiB (healthy), ~10 min under 1 GiB.
        let run = SeriesRun.container(duration: 400) { t in
            self.observation(t, workingSetMiB: 100 + t + random.gaussian(), limit: t < 300 ? high : low)
        }
        XCTAssertEqual(run.steps.filter { $0.timeSeconds < 300 }.map(\.assessment.state).max(), .healthy)
        let warned = try! XCTUnwrap(run.firstTime(atLeast: .warning))
        XCTAssertLessThanOrEqual(warned, 300 + 5)
        XCTAssertEqual(try XCTUnwrap(run.steps.last!.assessment.eta).p50, 1024 - 500, accuracy: 60)
    }

    func testRaisedLimitClears() {
        var random = SeededGenerator(seed: 21)
        let low = UInt64(1024 * mib)
        let high = UInt64(4096 * mib)
        let run = SeriesRun.container(duration: 500) { t in
            self.observation(t, workingSetMiB: 100 + t + random.gaussian(), limit: t < 300 ? low : high)
        }
        XCTAssertEqual(run.steps.first { $0.timeSeconds == 299 }!.assessment.state, .warning)
        let cleared = try! XCTUnwrap(run.steps.first { $0.timeSeconds >= 300 && $0.assessment.state == .healthy })
        XCTAssertLessThanOrEqual(cleared.timeSeconds, 300 + 5)
        XCTAssertEqual(run.steps.last!.assessment.state, .healthy)
    }

    func testHysteresisDoesNotFlapOnABorderlineSeries() {
        var random = SeededGenerator(seed: 22)
        // The limit rises with the leak, so the ETA hovers around the 15 min horizon for an hour.
        let rate = 0.5
        let run = SeriesRun.container(duration: 3600) { t in
            let ws = 100 + rate * t + 6 * random.gaussian()
            let limit = UInt64((100 + rate * t + rate * 900) * self.mib)
            return self.observation(t, workingSetMiB: ws, limit: limit)
        }
        let rawChanges = zip(run.steps, run.steps.dropFirst())
            .filter { $0.assessment.rawState != $1.assessment.rawState }.count
        print("borderline: raw state changed \(rawChanges) times, alert state \(run.stateChanges) times")
        XCTAssertGreaterThan(rawChanges, 10, "the series is not borderline enough to test anything")
        XCTAssertLessThanOrEqual(run.stateChanges, 2)
    }

    func testKillRestartsTheSeriesWithWarmUp() {
        var predictor = ContainerPredictor()
        var state = AlertState.healthy
        for t in 0..<300 {
            predictor.observe(observation(Double(t), workingSetMiB: 100 + 2 * Double(t), limit: UInt64(1024 * mib)))
            state = predictor.assess(nowSeconds: Double(t)).state
        }
        XCTAssertEqual(state, .warning)
        var restarted = observation(300, workingSetMiB: 30, limit: UInt64(1024 * mib))
        restarted.oomKills = 1
        predictor.observe(restarted)
        let assessment = predictor.assess(nowSeconds: 300)
        XCTAssertEqual(assessment.state, .healthy)
        XCTAssertEqual(assessment.reason, .warmingUp)
    }

    func testNoLimitIsHealthy() {
        let run = SeriesRun.container(duration: 600) { t in
            self.observation(t, workingSetMiB: 100 + 5 * t, limit: nil)
        }
        XCTAssertEqual(run.maximumState, .healthy)
        XCTAssertEqual(run.steps.last!.assessment.reason, .noLimit)
    }
}
