import ArgumentParser
import Foundation
import TapioCluster
import TapioPredict
import TapioWire

/// `tapio replay DUMP...`: what the aggregator would have said about a recorded run.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Feed recorded frame dumps (exporter --record files, aggregator journal segments) through the aggregator's predictor and print the alerts.",
        discussion: "The same dumps always give the same alerts (with --json, byte-identical output).")

    @Argument(help: "Dump files, replayed in the order given (a journal directory's segments may be given with a shell glob).")
    var dumps: [String]

    @Option(help: "Pace: max (as fast as possible), 1x (real time), 10x, ...")
    var speed = "max"

    @Flag(help: "Print each alert as a JSON line (the alert log's format).")
    var json = false

    @Option(help: "Only records at or after this time (ISO 8601, e.g. 2026-11-25T14:00:00Z, or UNIX seconds).")
    var from: String?

    @Option(help: "Only records at or before this time (ISO 8601 or UNIX seconds).")
    var to: String?

    @Option(help: "Warning horizon in minutes (as the aggregator's).")
    var warningHorizon = 15.0

    @Option(help: "Critical horizon in minutes (as the aggregator's).")
    var criticalHorizon = 2.0

    @Option(help: "Warm-up in seconds (as the aggregator's).")
    var warmUp = 60.0

    mutating func validate() throws {
        guard !dumps.isEmpty else { throw ValidationError("give at least one dump file") }
        guard speedFactor != nil else { throw ValidationError("--speed must be max or a multiple like 1x, 10x, 0.5x") }
        if let from, Self.parseTime(from) == nil { throw ValidationError("--from '\(from)' is not ISO 8601 or UNIX seconds") }
        if let to, Self.parseTime(to) == nil { throw ValidationError("--to '\(to)' is not ISO 8601 or UNIX seconds") }
        guard criticalHorizon > 0, warningHorizon > criticalHorizon, warmUp >= 0 else {
            throw ValidationError("horizons must satisfy 0 < --critical-horizon < --warning-horizon, and --warm-up ≥ 0")
        }
    }

    /// nil: invalid; 0: as fast as possible.
    private var speedFactor: Double? {
        if speed == "max" { return 0 }
        guard speed.hasSuffix("x"), let factor = Double(speed.dropLast()), factor > 0 else { return nil }
        return factor
    }

    static func parseTime(_ text: String) -> UInt64? {
        if let seconds = Double(text), seconds >= 0 { return UInt64(seconds * 1e9) }
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { return nil }
        return UInt64(date.timeIntervalSince1970 * 1e9)
    }

    func run() throws {
        var configuration = PredictorConfiguration()
        configuration.warningHorizonSeconds = warningHorizon * 60
        configuration.criticalHorizonSeconds = criticalHorizon * 60
        configuration.warmUpSeconds = warmUp
        var replayer = DumpReplayer(configuration: configuration, fromNs: from.flatMap(Self.parseTime), toNs: to.flatMap(Self.parseTime))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let factor = speedFactor ?? 0
        let progress = isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
        var firstRecordNs: UInt64?
        let wallStart = Date()
        for path in dumps {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            do {
                try replayer.replay(
                    path: path,
                    onBatch: { lastNs, bytes in
                        progress?.show(path: path, done: bytes, total: size)
                        guard factor > 0, lastNs > 0 else { return }
                        let origin = firstRecordNs ?? lastNs
                        firstRecordNs = origin
                        let due = wallStart.addingTimeInterval(Double(lastNs - min(lastNs, origin)) / 1e9 / factor)
                        let wait = due.timeIntervalSinceNow
                        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    },
                    onAlert: { event in
                        progress?.clear()
                        if json, let line = try? encoder.encode(event) {
                            print(String(decoding: line, as: UTF8.self))
                        } else {
                            print(Self.timestamp(event.timestampNs) + " [\(event.node)] " + event.line)
                        }
                    })
            } catch {
                progress?.clear()
                throw CommandFailure("\(path): \(error)")
            }
        }
        progress?.clear()
        let s = replayer.summary
        var summary = "replayed \(s.dumps) dump(s): \(s.frames) frames, \(s.batches) batches (\(s.duplicateBatches) duplicates skipped), \(s.records) records, \(s.nodes) node(s), \(s.containers) containers; \(s.alerts) alerts; OOM kills: \(s.killsSeen) seen, \(s.killsPredicted) predicted"
        if let lead = s.medianLeadSeconds { summary += ", median lead \(HumanFormat.duration(seconds: lead))" }
        FileHandle.standardError.write(Data("tapio replay: \(summary)\n".utf8))
        for damage in s.damaged { FileHandle.standardError.write(Data("tapio replay: warning: stopped early: \(damage)\n".utf8)) }
    }

    static func timestamp(_ ns: UInt64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }
}

/// A one-line progress bar on stderr for long dumps (only on a terminal).
final class ProgressBar {
    private var lastDraw = Date.distantPast

    func show(path: String, done: Int, total: Int) {
        guard total > 0, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))% \(name)".utf8))
    }

    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
