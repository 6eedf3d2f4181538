/// How people read durations and sizes in Tapio's output: "7m23s", "18Mi", "74%".
public enum HumanFormat {
    /// "45s", "7m23s", "2h05m", "3d04h".
    public static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "∞" }
        let total = Int(max(0, seconds.rounded()))
        let (d, h, m, s) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60)
        if d > 0 { return "\(d)d\(pad(h))h" }
        if h > 0 { return "\(h)h\(pad(m))m" }
        if m > 0 { return "\(m)m\(pad(s))s" }
        return "\(s)s"
    }

    /// Binary units as Kubernetes writes them: "512Ki", "190Mi", "1.5Gi".
    public static func bytes(_ value: Double) -> String {
        let units = ["", "Ki", "Mi", "Gi", "Ti", "Pi"]
        var v = abs(value)
        var unit = 0
        while v >= 1024, unit < units.count - 1 {
            v /= 1024
            unit += 1
        }
        let sign = value < 0 ? "-" : ""
        let number = v >= 100 || unit == 0 ? String(Int(v.rounded())) : trimmed(v)
        return sign + number + units[unit]
    }

    public static func bytes(_ value: UInt64) -> String { bytes(Double(value)) }

    /// "18Mi/min" from bytes per second.
    public static func rate(bytesPerSecond: Double) -> String { bytes(bytesPerSecond * 60) + "/min" }

    public static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func trimmed(_ v: Double) -> String {
        let tenths = (v * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }
}
