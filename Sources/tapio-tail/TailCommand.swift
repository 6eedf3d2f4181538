import ArgumentParser
import Foundation
import TapioCluster
import TapioWire

@main
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tapio-tail",
        abstract: "Shows a tapio-aggregator's alerts live: predictions, escalations, clears and scored OOM kills.")

    @Option(help: "Aggregator frame address, HOST:PORT.")
    var aggregator = "127.0.0.1:7470"

    @Option(help: "File holding the shared token.")
    var tokenFile: String?

    @Option(help: "Only alerts from this node.")
    var node: String?

    @Option(help: "Only alerts from this Kubernetes namespace.")
    var namespace: String?

    @Option(help: "Only alerts about this workload (or container name).")
    var workload: String?

    @Option(help: "Lowest severity shown: info, warning or critical.")
    var minSeverity = "info"

    @Flag(help: "Print each alert as a JSON line.")
    var json = false

    @Option(help: "Exit after this many seconds (default: run until interrupted).")
    var duration: Double?

    mutating func validate() throws {
        guard HostPort(aggregator) != nil else { throw ValidationError("--aggregator '\(aggregator)' is not HOST:PORT") }
        guard ["info", "warning", "critical"].contains(minSeverity) else {
            throw ValidationError("--min-severity must be info, warning or critical")
        }
    }

    func run() async throws {
        let token = try tokenFile.map { try SharedToken.read(path: $0) } ?? []
        let severity: Subscribe.Severity = minSeverity == "critical" ? .critical : minSeverity == "warning" ? .warning : .info
        let filter = Subscribe(minimumSeverity: severity, node: node ?? "", namespace: namespace ?? "", workload: workload ?? "")
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let asJSON = json
        let client = TailClient(
            address: HostPort(aggregator)!, token: token, filter: filter,
            onAlert: { document in
                let line = asJSON ? document : AlertLine.render(json: document, colour: colour)
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            },
            onStatus: { status in FileHandle.standardError.write(Data("tapio-tail: \(status)\n".utf8)) })
        client.start()
        if let duration {
            try? await Task.sleep(for: .milliseconds(Int(duration * 1000)))
        } else {
            await TerminationSignal.wait()
        }
        await client.stop()
    }
}

/// Turns an alert document into the line people read, coloured by severity on a terminal.
enum AlertLine {
    static func render(json: String, colour: Bool) -> String {
        guard let event = try? JSONDecoder().decode(AlertEvent.self, from: Data(json.utf8)) else { return json }
        let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(event.timestampNs) / 1e9))
        let node = event.node.isEmpty ? "" : " [\(event.node)]"
        guard colour else { return "\(time)\(node) \(event.line)" }
        let code = switch (event.transition, event.severity) {
        case (.cleared, _): "32"  // green
        case (_, .critical): "1;31"  // bold red
        case (_, .warning): "33"  // yellow
        default: "36"  // cyan
        }
        return "\u{1B}[2m\(time)\(node)\u{1B}[0m \u{1B}[\(code)m\(event.state)\u{1B}[0m: \(event.message)"
    }
}
