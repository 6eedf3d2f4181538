import TapioPredict

/// Feeds a synthetic series (one sample a second) through a predictor and keeps what it said.
struct SeriesRun {
    struct Step {
        var timeSeconds: Double
        var assessment: Assessment
    }

    var steps: [Step] = []

    static let mebibyte: Double = 1_048_576

    /// Runs until `duration` or until the working set reaches the limit (the kill), whichever is
    /// first. `sample` returns the observation for time t.
    static func container(
        duration: Double, configuration: PredictorConfiguration = PredictorConfiguration(),
        sample: (Double) -> MemoryObservation
    ) -> SeriesRun {
        var predictor = ContainerPredictor(configuration: configuration)
        var run = SeriesRun()
        var t = 0.0
        while t <= duration {
            let observation = sample(t)
            predictor.observe(observation)
            run.steps.append(Step(timeSeconds: t, assessment: predictor.assess(nowSeconds: t)))
            if let limit = observation.limitBytes, observation.workingSetBytes >= limit { break }
            t += 1
        }
        return run
    }

    var lastTime: Double { steps.last?.timeSeconds ?? 0 }

    /// First time the (hysteresis) state reached at least `state`.
    func firstTime(atLeast state: AlertState) -> Double? {
        steps.first { $0.assessment.state >= state }?.timeSeconds
    }

    func first(atLeast state: AlertState) -> Step? {
        steps.first { $0.assessment.state >= state }
    }

    var maximumState: AlertState {
        steps.map(\.assessment.state).max() ?? .healthy
    }

    var stateChanges: Int {
        zip(steps, steps.dropFirst()).filter { $0.assessment.state != $1.assessment.state }.count
    }
}
