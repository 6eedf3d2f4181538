import Foundation
import TapioCluster
import TapioPredict
import TapioWire

/// One evaluation of one predictor.
struct Evaluation {
    var timeSeconds: Double
    var state: AlertState
    /// Median time to the limit, seconds; nil when the predictor has none.
    var eta: Double?
    var confidence: Double?
}

/// The predictors compared, each fed the same observations and evaluated at every sample
/// (the aggregator assesses on every sample; a Prometheus rule evaluated every scrape).
enum BenchPredictor {
    case tapio(ContainerPredictor)
    case endpoint(EndpointSlopeBaseline)
    case linear(PredictLinearBaseline)

    mutating func evaluate(_ observation: MemoryObservation) -> Evaluation {
        switch self {
        case .tapio(var p):
            p.observe(observation)
            let a = p.assess(nowSeconds: observation.timeSeconds)
            self = .tapio(p)
            return Evaluation(timeSeconds: observation.timeSeconds, state: a.state, eta: a.eta?.p50, confidence: a.confidence)
        case .endpoint(var p):
            p.observe(observation)
            let a = p.assess(nowSeconds: observation.timeSeconds)
            self = .endpoint(p)
            return Evaluation(timeSeconds: observation.timeSeconds, state: a.state, eta: a.etaSeconds, confidence: nil)
        case .linear(var p):
            p.observe(observation)
            let a = p.assess(nowSeconds: observation.timeSeconds)
            self = .linear(p)
            return Evaluation(timeSeconds: observation.timeSeconds, state: a.state, eta: a.etaSeconds, confidence: nil)
        }
    }
}

struct PredictorSpec {
    var name: String
    var detail: String
    var make: () -> BenchPredictor
    var isTapio = false
    /// Ablation only (not a baseline of the issue): alerts suppressed this long after the
    /// series starts, like Tapio's warm-up.
    var warmUpGateSeconds: Double? = nil
}

struct ScoreOptions {
    var linearWindowSeconds: Double = 300
    var linearForSeconds: Double = 60
    /// The scaled predict_linear rule (the suite compresses hours into minutes).
    var scaledWindowSeconds: Double = 60
    var scaledForSeconds: Double = 15
    var requiredLeadSeconds: Double = 30
    var match: String?

    var predictors: [PredictorSpec] {
        let configuration = PredictorConfiguration()  // the aggregator's defaults
        return [
            PredictorSpec(
                name: "Tapio", detail: "`ContainerPredictor`, aggregator defaults (warm-up \(Int(configuration.warmUpSeconds)) s, warning \(Int(configuration.warningHorizonSeconds / 60)) min, critical \(Int(configuration.criticalHorizonSeconds / 60)) min)",
                make: { .tapio(ContainerPredictor(configuration: configuration)) }, isTapio: true),
            PredictorSpec(
                name: "endpoint slope", detail: "`EndpointSlopeBaseline`, last 10 samples, horizons 15/2 min",
                make: { .endpoint(EndpointSlopeBaseline(sampleCount: 10)) }),
            PredictorSpec(
                name: "predict_linear \(Self.duration(linearWindowSeconds))", detail: "`PredictLinearBaseline`, window \(Self.duration(linearWindowSeconds)), `for: \(Self.duration(linearForSeconds))`, horizons 15/2 min",
                make: { [linearWindowSeconds, linearForSeconds] in
                    .linear(PredictLinearBaseline(windowSeconds: linearWindowSeconds, forSeconds: linearForSeconds)) }),
            PredictorSpec(
                name: "predict_linear \(Self.duration(scaledWindowSeconds))", detail: "`PredictLinearBaseline`, window \(Self.duration(scaledWindowSeconds)) (scaled to the suite's minutes-long workloads), `for: \(Self.duration(scaledForSeconds))`, horizons 15/2 min",
                make: { [scaledWindowSeconds, scaledForSeconds] in
                    .linear(PredictLinearBaseline(windowSeconds: scaledWindowSeconds, forSeconds: scaledForSeconds)) }),
            PredictorSpec(
                name: "predict_linear \(Self.duration(scaledWindowSeconds)) + warm-up", detail: "ablation, not a target baseline: the \(Self.duration(scaledWindowSeconds)) rule with Tapio's \(Int(configuration.warmUpSeconds))-s warm-up (no alert in a series' first \(Int(configuration.warmUpSeconds)) s; the 5m rule's `for: 1m` already does that)",
                make: { [scaledWindowSeconds, scaledForSeconds] in
                    .linear(PredictLinearBaseline(windowSeconds: scaledWindowSeconds, forSeconds: scaledForSeconds)) },
                warmUpGateSeconds: configuration.warmUpSeconds),
        ]
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 60 && seconds.truncatingRemainder(dividingBy: 60) == 0 ? "\(Int(seconds / 60))m" : "\(Int(seconds))s"
    }
}

/// How one predictor did on one workload.
struct Outcome {
    var stateChanges = 0
    var alertEpisodes = 0
    var alertedAtKill = false
    /// Kill time − start of the alert episode still open at the kill.
    var leadSeconds: Double?
    /// Kill time − first alert ever (even if it cleared before the kill).
    var firstAlertLeadSeconds: Double?
    /// |ETA − true time left| / true time left at the first evaluation of the final episode
    /// that has an ETA.
    var etaErrorAtWarning: Double?
    /// The same at every alerting evaluation, median over them.
    var etaErrorMedianWhileAlerting: Double?
    var peak: AlertState = .healthy
    /// (confidence, killed within the warning horizon) at every post-warm-up evaluation.
    var calibration: [(Double, Bool)] = []
}

struct ScoredWorkload {
    var name: String
    var category: String
    var expectsKill: Bool?
    var limitMiB: Double
    var lowered: String?
    var durationSeconds: Double
    var samples: Int
    var killAtSeconds: Double?
    var victim: String?
    var killSource: String?
    var kernelOOMKills: Int?
    var peakUsageMiB: Double
    /// Seconds (samples) with the charge at ≥ 97% of the limit before the kill or the end.
    var secondsAtLimit: Int
    var outcomes: [Outcome]
    var replay: AlertEvent.KillScore?
    var live: (predicted: Bool, lead: Double?, etaError: Double?)?
    /// Which dump (1-based) the workload comes from.
    var run: Int
    /// Per predictor: seconds from the workload's first sample to its first alert (killed workloads).
    var firstAlertAfterSeconds: [Double?]

    var isSlowOrMedium: Bool { category == WorkloadSpec.Category.slowLeak.rawValue || category == WorkloadSpec.Category.mediumLeak.rawValue }
}

struct Scorer {
    var options: ScoreOptions

    func score(dumps: [String]) throws -> (workloads: [ScoredWorkload], manifests: [Manifest], contents: DumpContents) {
        let contents = try DumpSeriesReader.read(dumps)
        let manifests = dumps.map { path -> Manifest? in
            guard let data = FileManager.default.contents(atPath: path + ".manifest.json") else { return nil }
            return try? JSONDecoder().decode(Manifest.self, from: data)
        }
        var byId: [String: Manifest.Workload] = [:]
        for (index, m) in manifests.enumerated() {
            for w in m?.workloads ?? [] { byId["\(index)/\(w.cgroupId)"] = w }
        }
        let replayKills = replay(contents)
        var liveKills: [String: (predicted: Bool, lead: Double?, etaError: Double?)] = [:]
        for (index, dump) in dumps.enumerated() {
            for (id, score) in liveScores(path: dump + ".alerts.jsonl") { liveKills["\(index)/\(id)"] = score }
        }
        let warmUp = PredictorConfiguration().warmUpSeconds
        let horizon = PredictorConfiguration().warningHorizonSeconds

        var results: [ScoredWorkload] = []
        for series in contents.series where !series.samples.isEmpty {
            let entry = byId["\(series.dump)/\(series.cgroupId)"]
            if manifests[series.dump] != nil && entry == nil { continue }
            if let match = options.match, !(series.path ?? "").contains(match) { continue }
            guard series.samples.contains(where: { $0.sample.effectiveLimitBytes != nil }) else { continue }
            let kill = series.firstKill
            let t0 = Double(series.samples[0].timeNs) / 1e9
            let killT = kill.map { Double($0.timeNs) / 1e9 }
            let observations = series.samples
                .filter { killT == nil || Double($0.timeNs) / 1e9 < killT! }
                .map { CgroupSeries.observation($0.sample, atNs: $0.timeNs) }
            var outcomes: [Outcome] = []
            for spec in options.predictors {
                var predictor = spec.make()
                let evaluations = observations.map { observation in
                    var e = predictor.evaluate(observation)
                    if let gate = spec.warmUpGateSeconds, observation.timeSeconds < t0 + gate { e.state = .healthy }
                    return e
                }
                outcomes.append(Self.outcome(
                    evaluations, killT: killT, calibrateFrom: spec.isTapio ? t0 + warmUp : nil, horizon: horizon))
            }
            let name = entry?.name ?? series.path.map { String($0.split(separator: "/").last ?? "?") } ?? "cgroup \(series.cgroupId)"
            let limit = series.samples.compactMap { $0.sample.effectiveLimitBytes }.first ?? 0
            let end = Double(series.samples.last!.timeNs) / 1e9
            results.append(ScoredWorkload(
                name: name, category: entry?.category.rawValue ?? (kill == nil ? "no kill" : "kill"),
                expectsKill: entry?.category.expectsKill, limitMiB: Double(limit) / 1048576, lowered: entry?.loweredLimit,
                durationSeconds: (killT ?? end) - t0, samples: observations.count,
                killAtSeconds: killT.map { $0 - t0 }, victim: kill.map { k in "\(k.command)\(k.pid.map { " (pid \($0))" } ?? "")" },
                killSource: kill?.source, kernelOOMKills: entry?.kernelOOMKills,
                peakUsageMiB: Double(series.samples.map(\.sample.usageBytes).max() ?? 0) / 1048576,
                secondsAtLimit: observations.filter { o in o.limitBytes.map { Double(o.usageBytes) >= 0.97 * Double($0) } ?? false }.count,
                outcomes: outcomes, replay: replayKills["\(series.dump)/\(series.cgroupId)"],
                live: liveKills["\(series.dump)/\(series.cgroupId)"], run: series.dump + 1,
                firstAlertAfterSeconds: outcomes.map { o in o.firstAlertLeadSeconds.flatMap { lead in killT.map { $0 - lead - t0 } } }))
        }
        return (results, manifests.compactMap { $0 }, contents)
    }

    static func outcome(_ evaluations: [Evaluation], killT: Double?, calibrateFrom: Double?, horizon: Double) -> Outcome {
        var outcome = Outcome()
        var previous = AlertState.healthy
        var episodeStart: Int?
        var firstAlert: Double?
        for (index, e) in evaluations.enumerated() {
            if e.state != previous { outcome.stateChanges += 1 }
            if e.state > .healthy && previous == .healthy {
                outcome.alertEpisodes += 1
                episodeStart = index
                if firstAlert == nil { firstAlert = e.timeSeconds }
            }
            if e.state == .healthy { episodeStart = nil }
            outcome.peak = max(outcome.peak, e.state)
            previous = e.state
            if let from = calibrateFrom, e.timeSeconds >= from, let confidence = e.confidence {
                let killed = killT.map { $0 - e.timeSeconds <= horizon } ?? false
                outcome.calibration.append((confidence, killed))
            }
        }
        guard let killT else { return outcome }
        outcome.firstAlertLeadSeconds = firstAlert.map { killT - $0 }
        if let start = episodeStart {
            outcome.alertedAtKill = true
            outcome.leadSeconds = killT - evaluations[start].timeSeconds
            let episode = evaluations[start...]
            if let first = episode.first(where: { $0.eta != nil }), let eta = first.eta {
                let left = killT - first.timeSeconds
                outcome.etaErrorAtWarning = abs(eta - left) / left
            }
            let errors = episode.compactMap { e in e.eta.map { abs($0 - (killT - e.timeSeconds)) / (killT - e.timeSeconds) } }
            outcome.etaErrorMedianWhileAlerting = Stats.quantile(errors, 0.5)
        }
        return outcome
    }

    /// The aggregator's own scoring, replayed: every record through `ClusterState` (aggregator
    /// defaults), kill scores per cgroup (the first kill).
    func replay(_ contents: DumpContents) -> [String: AlertEvent.KillScore] {
        var states: [Int: ClusterState] = [:]
        var kills: [String: AlertEvent.KillScore] = [:]
        for batch in contents.batches {
            var state = states[batch.dump] ?? ClusterState()
            for event in state.apply(node: batch.node, records: batch.records) {
                if let score = event.kill, let id = event.cgroupId, kills["\(batch.dump)/\(id)"] == nil {
                    kills["\(batch.dump)/\(id)"] = score
                }
            }
            states[batch.dump] = state
        }
        return kills
    }

    /// Kill scores the live aggregator logged during the run (first per cgroup).
    func liveScores(path: String) -> [UInt64: (predicted: Bool, lead: Double?, etaError: Double?)] {
        var result: [UInt64: (Bool, Double?, Double?)] = [:]
        for line in readText(path).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kill = object["kill"] as? [String: Any], let id = (object["cgroupId"] as? NSNumber)?.uint64Value,
                  result[id] == nil
            else { continue }
            result[id] = (kill["predicted"] as? Bool ?? false, kill["leadSeconds"] as? Double, kill["etaErrorFraction"] as? Double)
        }
        return result.mapValues { (predicted: $0.0, lead: $0.1, etaError: $0.2) }
    }
}

enum Stats {
    /// Linear interpolation between order statistics; nil when empty.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}
