/// The recent memory history of one container in a fixed, small footprint: the last
/// `capacity` samples as three packed 32-bit columns (seconds since the first sample, charge in
/// KiB, working set in KiB). About 1.2 KiB for 96 samples, so a large fleet fits in memory.
public struct SampleRing: Sendable {
    public struct Point: Sendable, Equatable {
        public var timestampNs: UInt64
        public var usageBytes: UInt64
        /// Charge minus inactive page cache: what reclaim cannot easily give back.
        public var workingSetBytes: UInt64
    }

    public let capacity: Int
    private var seconds: ContiguousArray<UInt32>
    private var usageKiB: ContiguousArray<UInt32>
    private var workingSetKiB: ContiguousArray<UInt32>
    private var head = 0
    public private(set) var count = 0
    private var originNs: UInt64 = 0

    public init(capacity: Int = 96) {
        precondition(capacity > 0)
        self.capacity = capacity
        seconds = ContiguousArray(repeating: 0, count: capacity)
        usageKiB = ContiguousArray(repeating: 0, count: capacity)
        workingSetKiB = ContiguousArray(repeating: 0, count: capacity)
    }

    public mutating func append(_ point: Point) {
        if count == 0 { originNs = point.timestampNs }
        let offset = point.timestampNs >= originNs ? (point.timestampNs - originNs) / 1_000_000_000 : 0
        let slot = (head + count) % capacity
        seconds[slot] = UInt32(clamping: offset)
        usageKiB[slot] = UInt32(clamping: point.usageBytes >> 10)
        workingSetKiB[slot] = UInt32(clamping: point.workingSetBytes >> 10)
        if count < capacity { count += 1 } else { head = (head + 1) % capacity }
    }

    /// Oldest first.
    public var points: [Point] {
        (0..<count).map { i in
            let slot = (head + i) % capacity
            return Point(
                timestampNs: originNs + UInt64(seconds[slot]) * 1_000_000_000,
                usageBytes: UInt64(usageKiB[slot]) << 10, workingSetBytes: UInt64(workingSetKiB[slot]) << 10)
        }
    }

    public var last: Point? { count == 0 ? nil : points.last }

    /// Heap bytes held by the columns.
    public var footprintBytes: Int { capacity * 3 * MemoryLayout<UInt32>.stride }
}
