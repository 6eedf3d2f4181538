import Foundation

/// `tapio check`: the state of every container in a few lines a person reads at a glance,
/// or a JSON document for scripts, and an exit status (0 healthy, 1 warnings, 2 critical).
public struct CheckReport: Codable, Sendable {
    public struct Finding: Codable, Sendable {
        public var state: String
        public var node: String
        public var name: String
        public var headline: String
        public var details: [String]
        public var container: StatusDocument.Container
    }

    public var healthy: Int
    public var warnings: Int
    public var critical: Int
    public var findings: [Finding]
    public var kills: StatusDocument.Kills
    public var nodes: Int

    public init(status: StatusDocument) {
        var findings: [Finding] = []
        for container in status.containers where container.state != "HEALTHY" {
            findings.append(Finding(
                state: container.state, node: container.node, name: container.name,
                headline: Self.headline(container), details: Self.details(container), container: container))
        }
        // Worst first, then soonest.
        findings.sort {
            if $0.state != $1.state { return $0.state == "CRITICAL" }
            return ($0.container.eta?.p50 ?? .infinity) < ($1.container.eta?.p50 ?? .infinity)
        }
        self.findings = findings
        critical = findings.filter { $0.state == "CRITICAL" }.count
        warnings = findings.filter { $0.state == "WARNING" }.count
        healthy = status.containers.count - critical - warnings
        kills = status.kills
        nodes = status.nodes.count
    }

    public var exitStatus: Int32 { critical > 0 ? 2 : warnings > 0 ? 1 : 0 }

    public var text: String {
        var lines = ["HEALTHY: \(healthy) container\(healthy == 1 ? "" : "s") healthy on \(nodes) node\(nodes == 1 ? "" : "s")"]
        for finding in findings {
            lines.append("\(finding.state): \(finding.headline)")
            lines += finding.details.map { "  • \($0)" }
        }
        if kills.seen > 0 {
            var line = "OOM kills: \(kills.seen) seen, \(kills.predicted) predicted"
            if let lead = kills.medianLeadSeconds { line += ", median warning \(HumanFormat.duration(seconds: lead)) ahead" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func headline(_ c: StatusDocument.Container) -> String {
        if c.reason == "atLimitReclaimFailing" {
            return "\(c.name) at limit, reclaim failing"
        }
        if let eta = c.eta, let confidence = c.confidence {
            return "\(c.name) will OOM in \(HumanFormat.duration(seconds: eta.p50)) (\(HumanFormat.percent(confidence)) confidence)"
        }
        return "\(c.name) at risk (\(c.reason))"
    }

    static func details(_ c: StatusDocument.Container) -> [String] {
        var details: [String] = []
        if let spec = c.specLimitBytes {
            details.append("Kubernetes thinks: \(HumanFormat.bytes(spec)) limit\(c.podPhase.map { ", pod \($0)" } ?? "")")
        } else if let pod = c.pod {
            details.append("Kubernetes thinks: no memory limit for \(pod)\(c.podPhase.map { ", pod \($0)" } ?? "")")
        }
        var reality: [String] = []
        if let slope = c.slopeBytesPerSecond, slope > 0 { reality.append("growing \(HumanFormat.rate(bytesPerSecond: slope))") }
        if let usage = c.workingSetBytes ?? c.usageBytes {
            var now = "now \(HumanFormat.bytes(usage))"
            if let limit = c.limitBytes, limit > 0 { now += " (\(HumanFormat.percent(Double(usage) / Double(limit))) of limit)" }
            reality.append(now)
        }
        if let top = c.topProcess {
            reality.append("top process \(top.command ?? "pid \(top.pid)") (pid \(top.pid))")
        }
        if !reality.isEmpty { details.append("eBPF reality: " + reality.joined(separator: ", ").replacingOccurrences(of: ", top", with: "; top")) }
        if let eta = c.eta {
            details.append("Prediction: OOM kill in \(HumanFormat.duration(seconds: eta.p50)) (p10 \(HumanFormat.duration(seconds: eta.p10)), p90 \(HumanFormat.duration(seconds: eta.p90 ?? .infinity)))")
        } else if c.reason == "atLimitReclaimFailing" {
            details.append("Prediction: at its limit with reclaim failing; the OOM killer may strike any moment")
        }
        return details
    }
}
