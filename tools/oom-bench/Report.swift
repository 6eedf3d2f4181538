import Foundation
import TapioPredict

/// Summary figures of one predictor over the scored workloads.
struct PredictorSummary {
    var name: String
    var slowMediumKills = 0
    var slowMediumWarned30 = 0
    var kills = 0
    var warned30 = 0
    var warnedAtAll = 0
    var medianLead: Double?
    /// Seconds from a killed workload's first sample to the predictor's first alert.
    var medianTimeToFirstAlert: Double?
    var p10Lead: Double?
    var medianEtaErrorAtWarning: Double?
    var medianEtaErrorWhileAlerting: Double?
    var noKillWorkloads = 0
    var falseAlarmWorkloads = 0
    var falseAlarmEpisodes = 0
    var stateChanges = 0
    var extraEpisodesOnKills = 0

    init(index: Int, name: String, workloads: [ScoredWorkload], requiredLead: Double) {
        self.name = name
        var leads: [Double] = []
        var etaFirst: [Double] = []
        var etaAll: [Double] = []
        var detection: [Double] = []
        for w in workloads {
            let o = w.outcomes[index]
            stateChanges += o.stateChanges
            if w.killAtSeconds != nil {
                kills += 1
                let lead = o.leadSeconds ?? 0
                leads.append(lead)
                if lead >= requiredLead { warned30 += 1 }
                if o.alertedAtKill { warnedAtAll += 1 }
                if let d = w.firstAlertAfterSeconds[index] { detection.append(d) }
                if w.isSlowOrMedium {
                    slowMediumKills += 1
                    if lead >= requiredLead { slowMediumWarned30 += 1 }
                }
                if let e = o.etaErrorAtWarning { etaFirst.append(e) }
                if let e = o.etaErrorMedianWhileAlerting { etaAll.append(e) }
                extraEpisodesOnKills += max(0, o.alertEpisodes - 1)
            } else {
                noKillWorkloads += 1
                if o.alertEpisodes > 0 { falseAlarmWorkloads += 1 }
                falseAlarmEpisodes += o.alertEpisodes
            }
        }
        medianLead = Stats.quantile(leads, 0.5)
        medianTimeToFirstAlert = Stats.quantile(detection, 0.5)
        p10Lead = Stats.quantile(leads, 0.1)
        medianEtaErrorAtWarning = Stats.quantile(etaFirst, 0.5)
        medianEtaErrorWhileAlerting = Stats.quantile(etaAll, 0.5)
    }
}

struct CalibrationBucket {
    var low: Double
    var count = 0
    var hits = 0
    var confidenceSum = 0.0
    var meanConfidence: Double { count > 0 ? confidenceSum / Double(count) : 0 }
    var hitRate: Double { count > 0 ? Double(hits) / Double(count) : 0 }
}

enum Report {
    static func seconds(_ value: Double?) -> String { value.map { String(format: "%.0f s", $0) } ?? "–" }
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.0f%%", $0 * 100) } ?? "–" }
    static func mib(_ value: Double) -> String { String(format: "%.0f MiB", value) }

    static func calibration(_ workloads: [ScoredWorkload], tapioIndex: Int) -> [CalibrationBucket] {
        var buckets = (0..<10).map { CalibrationBucket(low: Double($0) / 10) }
        for w in workloads {
            for (confidence, hit) in w.outcomes[tapioIndex].calibration {
                let b = min(Int(confidence * 10), 9)
                buckets[b].count += 1
                buckets[b].confidenceSum += confidence
                if hit { buckets[b].hits += 1 }
            }
        }
        return buckets
    }

    static func markdown(
        workloads: [ScoredWorkload], options: ScoreOptions, manifests: [Manifest], contents: DumpContents, dumps: [String],
        scoreCommand: String
    ) -> (text: String, summaries: [PredictorSummary], buckets: [CalibrationBucket], targets: [(String, Bool?, String)]) {
        let predictors = options.predictors
        let summaries = predictors.enumerated().map {
            PredictorSummary(index: $0.offset, name: $0.element.name, workloads: workloads, requiredLead: options.requiredLeadSeconds)
        }
        let buckets = calibration(workloads, tapioIndex: 0)
        var out = "# OOM prediction against real kernel OOM kills\n\n"
        for (index, manifest) in manifests.enumerated() {
            out += "Run\(manifests.count > 1 ? " \(index + 1)" : ""): `\(manifest.command)` on \(manifest.date) (suite wall time \(Int(manifest.wallSeconds)) s).  \n"
        }
        if let manifest = manifests.first {
            out += "Machine: \(manifest.machine); other sessions' builds and tests were running on it at the same time.  \n"
        }
        out += "Scored with: `\(scoreCommand)` (deterministic, no root; re-runnable on the kept dumps).  \n"
        out += "Dumps: \(contents.frames) frames, \(contents.batches.count) batches (\(contents.duplicateBatches) duplicates dropped)\(contents.failure.map { ", stopped early: \($0)" } ?? "").\n\n"

        out += "## Summary\n\n"
        out += "Real workloads in memory cgroups (v1) with limits, a live `tapio-exporter` recording every frame it sent and streaming to a live `tapio-aggregator`; ground truth is the kernel's OOM-kill record (victim, time) and `memory.oom_control` `oom_kill`. "
        out += "All predictors replay the same recorded samples, evaluated at every sample (1 s). \(workloads.filter { $0.killAtSeconds != nil }.count) workloads were OOM-killed, \(workloads.filter { $0.killAtSeconds == nil }.count) were not.\n\n"
        out += "| predictor | slow+medium kills warned ≥ 30 s | all kills warned ≥ 30 s | warned at all | median lead | p10 lead | median ETA error at first warning | median ETA error while alerting | false alarms (no-kill workloads) | alert state changes | median time from start to first warning (killed) |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for s in summaries {
            out += "| \(s.name) | \(s.slowMediumWarned30)/\(s.slowMediumKills) | \(s.warned30)/\(s.kills) | \(s.warnedAtAll)/\(s.kills) | \(seconds(s.medianLead)) | \(seconds(s.p10Lead)) | \(percent(s.medianEtaErrorAtWarning)) | \(percent(s.medianEtaErrorWhileAlerting)) | \(s.falseAlarmWorkloads)/\(s.noKillWorkloads) (\(s.falseAlarmEpisodes) episodes) | \(s.stateChanges) | \(seconds(s.medianTimeToFirstAlert)) |\n"
        }
        out += "\n"
        let targets = targetVerdicts(
            summaries: summaries.enumerated().filter { predictors[$0.offset].warmUpGateSeconds == nil }.map(\.element),
            buckets: buckets, workloads: workloads)
        out += "Targets (issue 7) for Tapio:\n\n"
        for (text, met, detail) in targets {
            out += "- \(met.map { $0 ? "**met**" : "**missed**" } ?? "**not measurable**"): \(text) — \(detail)\n"
        }
        out += "\nCalibration of Tapio's confidence (every evaluation after warm-up; hit = OOM kill within the 15-min warning horizon):\n\n"
        out += "| confidence | evaluations | mean confidence | observed hit rate | gap |\n|---|---|---|---|---|\n"
        for b in buckets where b.count > 0 {
            out += String(format: "| %.0f–%.0f%% | %d | %.0f%% | %.0f%% | %.0f pts |\n", b.low * 100, b.low * 100 + 10, b.count, b.meanConfidence * 100, b.hitRate * 100, abs(b.hitRate - b.meanConfidence) * 100)
        }
        let zeroOnKilled = workloads.filter { $0.killAtSeconds != nil }.reduce(0) { n, w in n + w.outcomes[0].calibration.filter { $0.0 < 0.1 && $0.1 }.count }
        out += "\nThe 0–10% bucket's hits are \(zeroOnKilled) evaluations on workloads that were killed within 15 min while Tapio had not (yet) found a significant trend — mostly the first tens of seconds after its warm-up, plus the fast leaks. Every killed workload dies within 15 min of every evaluation, so the upper buckets can only score 100%: this short suite cannot test the calibration of a 15-min horizon; leaks that stop, or are killed only after more than 15 min, would be needed.\n\n"

        out += "## Per workload\n\n"
        out += "Cell: lead (kill time − start of the alert still open at the kill; – = not alerting at the kill) / ETA error at first warning / alert state changes. Fast-leak rows show the lead achieved.\n\n"
        out += "| workload | kind | limit | peak charge | s at ≥ 97% of limit | kill at | victim | " + predictors.map(\.name).joined(separator: " | ") + " | aggregator (replay / live) |\n"
        out += "|---|---|---|---|---|---|---|" + predictors.map { _ in "---|" }.joined() + "---|\n"
        for w in workloads {
            let runs = Set(workloads.map(\.run)).count
            var row = "| \(w.name)\(runs > 1 ? " (run \(w.run))" : "") | \(w.category) | \(mib(w.limitMiB))\(w.lowered.map { " → \($0)" } ?? "") | \(mib(w.peakUsageMiB)) | \(w.secondsAtLimit) | "
            row += w.killAtSeconds.map { seconds($0) } ?? "no kill (\(Int(w.durationSeconds)) s)"
            row += " | \(w.victim ?? "–")\(w.kernelOOMKills.map { $0 > 0 ? ", oom_kill=\($0)" : "" } ?? "") |"
            for o in w.outcomes {
                if w.killAtSeconds != nil {
                    row += " \(o.alertedAtKill ? seconds(o.leadSeconds) : "–") / \(percent(o.etaErrorAtWarning)) / \(o.stateChanges) |"
                } else {
                    row += o.alertEpisodes == 0 ? " quiet / \(o.stateChanges) |" : " **\(o.alertEpisodes) false alarm(s)**, peak \(o.peak == .critical ? "CRITICAL" : "WARNING") / \(o.stateChanges) |"
                }
            }
            let replay = w.replay.map { $0.predicted ? "predicted \(seconds($0.leadSeconds))" : "not predicted" } ?? "–"
            let live = w.live.map { $0.predicted ? "predicted \(seconds($0.lead))" : "not predicted" } ?? "–"
            row += " \(replay) / \(live) |\n"
            out += row
        }
        out += "\n## Method\n\n"
        out += "- Predictors: " + predictors.map { "**\($0.name)**: \($0.detail)" }.joined(separator: "; ") + ". Each sees `MemoryObservation`s built from the dump's `MemorySample` records exactly as the aggregator builds them (working set = usage − inactive file, effective limit, failcnt, oom_kill counter).\n"
        out += "- Series: one per workload cgroup, from its first sample to the last sample before its first OOM kill (samples after the kill are not scored).\n"
        out += "- Warned ≥ 30 s: the predictor's state is WARNING or CRITICAL at the last evaluation before the kill, and that alert episode began at least 30 s before the kill. Lead statistics are over all killed workloads, a miss counting as 0 s.\n"
        out += "- ETA error: |predicted time to limit (median) − true time left to the kill| / true time left, at the first evaluation with an ETA in the alert episode open at the kill (as the aggregator scores a kill); \"while alerting\" is the median of that error over every alerting evaluation, per workload, then the median over workloads. Tapio's at-limit alerts carry no ETA.\n"
        out += "- False alarm: a workload the kernel did not kill on which a predictor ever raised WARNING or CRITICAL. Alert state changes: every change among HEALTHY/WARNING/CRITICAL, summed over all workloads (a perfectly behaved predictor changes once or twice per killed workload and never on the others).\n"
        out += "- Calibration: Tapio's confidence (probability of reaching the limit within 15 min) at every post-warm-up evaluation, bucketed by 10 points, against whether the kernel killed the workload within 15 min. Workloads that ran less than 15 min without a kill count as \"no kill\" (they are built never to reach their limit). Because every suite leak dies within minutes, every evaluation on a killed workload is a hit.\n"
        out += "- Aggregator column: the same dump replayed through `ClusterState` (the aggregator's state machine, default configuration) / the live aggregator's own kill score from its alert log during the run.\n"
        out += "\n## Limits of this benchmark\n\n"
        out += "- Time is compressed: the workloads die 10 s to about 5 min after they start, while the predictors keep their production settings (15-min warning and 2-min critical horizons, Tapio's 60-s warm-up). \"Slow\" (1–2 MiB/s) and \"medium\" (4 MiB/s) leaks are fast by production standards; a 16 or 100 MiB/s leak dies inside Tapio's warm-up, so only the lead achieved is reported.\n"
        out += "- Each workload runs once per run; the runs repeat the same suite on one machine (the kernel timing is very repeatable, so the runs mostly confirm each other rather than add independent evidence).\n"
        out += "- Calibration of a 15-min horizon cannot be tested by minutes-long workloads (see above).\n"
        out += "- The `predict_linear` rules are evaluated at every 1-s sample; a real Prometheus scrapes every 15–60 s, which would only delay it.\n"
        out += "- The GC runtimes (Node.js; the JVM from the third run on) were killed after their charge had been at ≥ 97% of the limit for seconds to tens of seconds, not the minutes of GC/reclaim thrash described in the design; so this benchmark does not show what Tapio's at-limit (reclaim failing) rule adds.\n"
        out += "- The page-cache workload reads through a file on the root disk; its pages are reclaimed, and the suite contains no cache-heavy workload that is also killed.\n"
        out += "- Dumps: " + dumps.map { "`\($0)`" }.joined(separator: ", ") + " (not committed; the run phase keeps them with `.manifest.json` and `.alerts.jsonl` side files).\n"
        return (out, summaries, buckets, targets)
    }

    static func targetVerdicts(summaries: [PredictorSummary], buckets: [CalibrationBucket], workloads: [ScoredWorkload]) -> [(String, Bool?, String)] {
        guard let tapio = summaries.first else { return [] }
        var verdicts: [(String, Bool?, String)] = []
        verdicts.append((
            "every kill on the slow and medium leaks warned ≥ 30 s ahead",
            tapio.slowMediumKills > 0 ? tapio.slowMediumWarned30 == tapio.slowMediumKills : nil,
            "\(tapio.slowMediumWarned30)/\(tapio.slowMediumKills)"))
        verdicts.append((
            "zero false alarms on the no-kill workloads",
            tapio.noKillWorkloads > 0 ? tapio.falseAlarmWorkloads == 0 : nil,
            "\(tapio.falseAlarmWorkloads)/\(tapio.noKillWorkloads) workloads alerted"))
        verdicts.append((
            "median ETA error ≤ 15%", tapio.medianEtaErrorAtWarning.map { $0 <= 0.15 },
            "\(percent(tapio.medianEtaErrorAtWarning)) at first warning, \(percent(tapio.medianEtaErrorWhileAlerting)) while alerting"))
        let measured = buckets.filter { $0.count >= 20 }
        let worst = measured.max { abs($0.hitRate - $0.meanConfidence) < abs($1.hitRate - $1.meanConfidence) }
        verdicts.append((
            "confidence within 10 points of the observed hit rate in every bucket (buckets with ≥ 20 evaluations)",
            measured.isEmpty ? nil : measured.allSatisfy { abs($0.hitRate - $0.meanConfidence) <= 0.10 },
            worst.map { String(format: "worst bucket %.0f–%.0f%%: confidence %.0f%% vs hit rate %.0f%% (%d evaluations)", $0.low * 100, $0.low * 100 + 10, $0.meanConfidence * 100, $0.hitRate * 100, $0.count) } ?? "no bucket with enough evaluations"))
        for baseline in summaries.dropFirst() {
            let betterAlarms = tapio.falseAlarmWorkloads < baseline.falseAlarmWorkloads
                || (tapio.falseAlarmWorkloads == baseline.falseAlarmWorkloads && tapio.falseAlarmEpisodes < baseline.falseAlarmEpisodes)
            // Lead at equal recall: median lead over the kills both warned ≥ 30 s ahead.
            let i = summaries.firstIndex { $0.name == baseline.name }!
            var tapioLeads: [Double] = []
            var baseLeads: [Double] = []
            for w in workloads where w.killAtSeconds != nil {
                let a = w.outcomes[0].leadSeconds ?? 0
                let b = w.outcomes[i].leadSeconds ?? 0
                if a >= 30 && b >= 30 {
                    tapioLeads.append(a)
                    baseLeads.append(b)
                }
            }
            let tl = Stats.quantile(tapioLeads, 0.5)
            let bl = Stats.quantile(baseLeads, 0.5)
            let betterLead = tl.flatMap { t in bl.map { t > $0 } }
            let met: Bool? = betterLead.map { $0 && betterAlarms } ?? (betterAlarms ? nil : false)
            verdicts.append((
                "strictly better than \(baseline.name) on false alarms and on lead time at equal recall", met,
                "false alarms \(tapio.falseAlarmWorkloads) vs \(baseline.falseAlarmWorkloads) workloads (\(tapio.falseAlarmEpisodes) vs \(baseline.falseAlarmEpisodes) episodes); median lead on the \(tapioLeads.count) kills both warned ≥ 30 s: \(seconds(tl)) vs \(seconds(bl)); recall ≥ 30 s \(tapio.warned30)/\(tapio.kills) vs \(baseline.warned30)/\(baseline.kills)"))
        }
        return verdicts
    }

    /// A small machine-readable summary (the smoke test reads it).
    static func json(workloads: [ScoredWorkload], summaries: [PredictorSummary]) -> Data {
        let object: [String: Any] = [
            "workloads": workloads.map { w -> [String: Any] in
                var o: [String: Any] = ["name": w.name, "category": w.category, "samples": w.samples, "limitMiB": w.limitMiB]
                if let k = w.killAtSeconds { o["killAtSeconds"] = k }
                if let v = w.victim { o["victim"] = v }
                if let n = w.kernelOOMKills { o["kernelOOMKills"] = n }
                o["alertEpisodes"] = w.outcomes.map(\.alertEpisodes)
                o["leadSeconds"] = w.outcomes.map { $0.leadSeconds ?? -1 }
                return o
            },
            "predictors": summaries.map { ["name": $0.name, "kills": $0.kills, "warned30": $0.warned30, "falseAlarmWorkloads": $0.falseAlarmWorkloads] },
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}
