/// One exporter's sequence space: its node name and the epoch of the exporter run. A restarted
/// exporter that lost its spool starts a new epoch, so its sequence 1 is not a duplicate.
public struct StreamKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var node: String
    public var epoch: UInt64

    public init(node: String, epoch: UInt64) {
        self.node = node
        self.epoch = epoch
    }

    public static func < (lhs: StreamKey, rhs: StreamKey) -> Bool {
        lhs.node != rhs.node ? lhs.node < rhs.node : lhs.epoch < rhs.epoch
    }

    public var description: String { "\(node)#\(epoch)" }
}
