/// A cumulative latency histogram with fixed bounds, for Prometheus (`_bucket`, `_sum`,
/// `_count`): how long the aggregator took from receiving a BATCH to sending its ACK.
public struct LatencyHistogram: Sendable, Codable, Equatable {
    /// Upper bounds in seconds; a last, implicit bucket is +Inf.
    public static let bounds: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]

    /// Observations per bucket (not cumulative), the last one past every bound.
    public private(set) var counts: [UInt64] = Array(repeating: 0, count: LatencyHistogram.bounds.count + 1)
    public private(set) var sumSeconds: Double = 0
    public private(set) var count: UInt64 = 0

    public init() {}

    public mutating func observe(seconds: Double) {
        var index = 0
        while index < Self.bounds.count, seconds > Self.bounds[index] { index += 1 }
        counts[index] += 1
        sumSeconds += seconds
        count += 1
    }

    /// Writes the family `name` in the text format.
    func write(_ name: String, help: String, to out: inout PrometheusText) {
        out.family(name, .histogram, help: help)
        var cumulative: UInt64 = 0
        for (index, bound) in Self.bounds.enumerated() {
            cumulative += counts[index]
            out.sample(name + "_bucket", [("le", PrometheusText.format(bound))], cumulative)
        }
        out.sample(name + "_bucket", [("le", "+Inf")], count)
        out.sample(name + "_sum", [], sumSeconds)
        out.sample(name + "_count", [], count)
    }
}
