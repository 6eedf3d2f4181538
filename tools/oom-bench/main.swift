// tapio-oom-bench — Tapio's OOM prediction against real kernel OOM kills, baselines side by side.
//
//   tapio-oom-bench run [--smoke] [--dump PATH] [--workdir DIR] [--output FILE] [--json FILE]
//       RUN (root): the workload suite, each in its own limited memory cgroup under this
//       process's memory cgroup, with a live tapio-exporter (--record PATH) streaming to a live
//       tapio-aggregator; then SCORE the dump.
//   tapio-oom-bench score DUMP... [--output FILE] [--json FILE] [--match TEXT]
//                         [--window SECONDS] [--for SECONDS] [--scaled-window SECONDS] [--scaled-for SECONDS]
//       SCORE (no root, deterministic): replay the recorded memory samples through Tapio's
//       predictor and both baselines and compare with the recorded OOM kills.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: tapio-oom-bench run [--smoke] [--dump PATH] [--workdir DIR] [--output FILE] [--json FILE]
           tapio-oom-bench score DUMP... [--output FILE] [--json FILE] [--match TEXT]
                                 [--window S] [--for S] [--scaled-window S] [--scaled-for S]
    """

func die(_ message: String) -> Never {
    log(message)
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first, ["run", "score"].contains(mode) else {
    if arguments.first == "-h" || arguments.first == "--help" { print(usage); exit(0) }
    die("missing or unknown mode\n\(usage)")
}
arguments.removeFirst()
var values: [String: String] = [:]
var flags: Set<String> = []
var positional: [String] = []
var iterator = arguments.makeIterator()
while let word = iterator.next() {
    if word == "--smoke" {
        flags.insert("smoke")
    } else if word.hasPrefix("--") {
        guard let value = iterator.next() else { die("\(word) needs a value") }
        values[String(word.dropFirst(2))] = value
    } else {
        positional.append(word)
    }
}
let known: Set<String> = ["dump", "workdir", "output", "json", "match", "window", "for", "scaled-window", "scaled-for"]
if let unknown = values.keys.first(where: { !known.contains($0) }) { die("unknown option --\(unknown)\n\(usage)") }

var options = ScoreOptions()
func number(_ key: String, in values: [String: String]) -> Double? {
    guard let raw = values[key] else { return nil }
    guard let value = Double(raw), value > 0 else { die("--\(key) needs a positive number of seconds") }
    return value
}
options.linearWindowSeconds = number("window", in: values) ?? options.linearWindowSeconds
options.linearForSeconds = number("for", in: values) ?? options.linearForSeconds
options.scaledWindowSeconds = number("scaled-window", in: values) ?? options.scaledWindowSeconds
options.scaledForSeconds = number("scaled-for", in: values) ?? options.scaledForSeconds
options.match = values["match"]

let commandLine = "tapio-oom-bench " + CommandLine.arguments.dropFirst().joined(separator: " ")
var dumps = positional
if mode == "run" {
    let dump = values["dump"] ?? "/tmp/tapio-oombench-\(getpid()).dump"
    let workdir = values["workdir"] ?? "/tmp/tapio-oombench-\(getpid())"
    let runner = SuiteRunner(
        specs: flags.contains("smoke") ? Suite.smoke : Suite.full, dumpPath: dump, workDirectory: workdir,
        commandLine: commandLine)
    do {
        let manifest = try runner.run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: dump + ".manifest.json"))
        try? FileManager.default.removeItem(atPath: workdir)
        log("run finished in \(Int(manifest.wallSeconds)) s; dump \(dump)")
    } catch {
        die("run failed: \(error)")
    }
    dumps = [dump]
}
guard !dumps.isEmpty else { die("score needs at least one dump\n\(usage)") }

do {
    let scored = try Scorer(options: options).score(dumps: dumps)
    guard !scored.workloads.isEmpty else { die("no limited cgroup with memory samples in \(dumps)") }
    let report = Report.markdown(
        workloads: scored.workloads, options: options, manifests: scored.manifests, contents: scored.contents, dumps: dumps,
        scoreCommand: "tapio-oom-bench score " + dumps.joined(separator: " "))
    if let output = values["output"] {
        try report.text.write(toFile: output, atomically: true, encoding: .utf8)
        log("wrote \(output)")
    } else {
        print(report.text)
    }
    if let json = values["json"] {
        try Report.json(workloads: scored.workloads, summaries: report.summaries).write(to: URL(fileURLWithPath: json))
    }
} catch {
    die("score failed: \(error)")
}
