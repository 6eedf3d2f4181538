/// Builds the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per
/// family, then its samples, label values escaped as the format requires.
public struct PrometheusText: Sendable {
    public enum MetricType: String, Sendable { case counter, gauge, histogram }

    private var output = ""
    private var declared: Set<String> = []

    public init() {}

    public var text: String { output }

    /// Text written since the last call; families stay declared, so an exposition can be
    /// sent in pieces without repeating a HELP or TYPE line.
    public mutating func takeText() -> String {
        defer { output = "" }
        return output
    }

    /// Declares a family once; samples may follow in any number.
    public mutating func family(_ name: String, _ type: MetricType, help: String) {
        guard declared.insert(name).inserted else { return }
        output += "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
        output += "# TYPE \(name) \(type.rawValue)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        output += name
        if !labels.isEmpty {
            output += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        output += " " + Self.format(value) + "\n"
    }

    public mutating func sample<I: BinaryInteger>(_ name: String, _ labels: [(String, String)] = [], _ value: I) {
        sample(name, labels, Double(value))
    }

    public mutating func metric<I: BinaryInteger>(_ name: String, _ type: MetricType, help: String, _ value: I) {
        family(name, type, help: help)
        sample(name, [], value)
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
