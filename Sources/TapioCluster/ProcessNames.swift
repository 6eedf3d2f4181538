/// Command names of one node's live processes (from process-start records), to name top
/// processes. Bounded: an entry leaves when its process exits, and when a node reports more
/// live processes than `capacity` (exit records lost, or a pid namespace we never see exit)
/// the oldest quarter is forgotten at once, so the map never grows without bound and a
/// process started recently is always named.
public struct ProcessNames: Sendable {
    public static let defaultCapacity = 8_192

    private struct Entry: Sendable {
        var command: String
        /// Order of the start record, to find the oldest entries.
        var started: UInt64
    }

    public let capacity: Int
    private var entries: [UInt32: Entry] = [:]
    private var starts: UInt64 = 0

    public init(capacity: Int = ProcessNames.defaultCapacity) {
        precondition(capacity >= 4, "ProcessNames needs room for a few processes")
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    public subscript(pid: UInt32) -> String? { entries[pid]?.command }

    public mutating func started(pid: UInt32, command: String) {
        starts &+= 1
        if entries[pid] == nil, entries.count >= capacity { forgetOldest(entries.count / 4) }
        entries[pid] = Entry(command: command, started: starts)
    }

    public mutating func exited(pid: UInt32) {
        entries.removeValue(forKey: pid)
    }

    /// Drops the `count` entries started longest ago: one pass over the map, amortised over
    /// the `count` starts that may follow before the next.
    private mutating func forgetOldest(_ count: Int) {
        guard count > 0 else { return }
        let cutoff = entries.values.map(\.started).sorted()[count - 1]
        entries = entries.filter { $0.value.started > cutoff }
    }
}
