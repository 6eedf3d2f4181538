import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TapioCluster
import TapioNode
import TapioPredict
import TapioWire

/// `tapio check`: is anything on this node (or in the fleet) about to be OOM-killed?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report which containers are about to be OOM-killed.",
        discussion: """
            Without --aggregator: watches this node (eBPF and cgroups, as tapio-exporter) with an
            in-process aggregator for --duration, then reports. With --aggregator: reports what a
            running tapio-aggregator knows about the whole fleet.
            Exit status: 0 all healthy, 1 warnings, 2 critical, 3 error.
            """)

    @Option(help: "A running aggregator's HTTP address, e.g. http://127.0.0.1:7471.")
    var aggregator: String?

    @Option(help: "Seconds to watch this node before reporting.")
    var duration: Double = 30

    @Option(name: .shortAndLong, help: "Output: text or json.")
    var output = "text"

    @Option(help: "Cgroup subtree to watch (repeatable; default: every memory cgroup).")
    var cgroupSubtree: [String] = []

    @Flag(help: "Watch cgroups and the node only, without the BPF programs.")
    var withoutBPF = false

    mutating func validate() throws {
        guard ["text", "json"].contains(output) else { throw ValidationError("-o must be text or json") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be between 0 and 86400 seconds") }
        if let aggregator, URL(string: aggregator)?.host == nil {
            throw ValidationError("--aggregator '\(aggregator)' is not a URL like http://host:port")
        }
    }

    func run() async throws {
        let status: StatusDocument
        do {
            if let aggregator {
                status = try await fetchStatus(aggregator)
            } else {
                status = try watchThisNode()
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("tapio check: \(error)\n".utf8))
            throw ExitCode(3)
        }
        let report = CheckReport(status: status)
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
        throw ExitCode(report.exitStatus)
    }

    private func fetchStatus(_ base: String) async throws -> StatusDocument {
        let url = URL(string: base.hasSuffix("/") ? base + "api/v1/status" : base + "/api/v1/status")!
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(from: url)
        } catch {
            throw CommandFailure("cannot reach \(url): \((error as NSError).localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw CommandFailure("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        do {
            return try JSONDecoder().decode(StatusDocument.self, from: data)
        } catch {
            throw CommandFailure("\(url) did not return an aggregator status document: \(error)")
        }
    }

    /// The exporter and an aggregator in this process, for `duration` seconds.
    private func watchThisNode() throws -> StatusDocument {
        var predictor = PredictorConfiguration()
        // A check lasts seconds, not hours: judge trends after a short settling time.
        predictor.warmUpSeconds = min(10, duration / 3)
        let core = try AggregatorCore(journalDirectory: nil, predictorConfiguration: predictor, log: { _ in })
        let options = NodeSensorOptions(
            cgroupSubtrees: cgroupSubtree.isEmpty ? ["/"] : cgroupSubtree, withoutBPF: withoutBPF)
        let sensor: NodeSensor
        do {
            sensor = try NodeSensor(options: options, log: { line in FileHandle.standardError.write(Data("tapio check: \(line)\n".utf8)) })
        } catch {
            throw CommandFailure("cannot watch this node: \(error)")
        }
        let node = ProcessInfo.processInfo.hostName
        let deadline = Date().addingTimeInterval(duration)
        FileHandle.standardError.write(Data("tapio check: watching \(node) for \(HumanFormat.duration(seconds: duration))...\n".utf8))
        sensor.run(shouldStop: { Date() >= deadline }, emit: { core.apply(node: node, records: $0) })
        return StatusDocument(core: core, serverName: "tapio check")
    }
}
