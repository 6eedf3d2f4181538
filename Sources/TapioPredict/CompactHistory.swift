/// Fixed-size, multi-resolution history of one memory series, small enough to keep one per
/// container for fleets of 100,000 containers.
///
/// Samples (about 1/s) are folded into 5 s buckets; the last 24 of those (2 min) are kept, older
/// ones are merged into 30 s buckets, the last 26 of which (13 min) are kept: 15 minutes in 50
/// points. Each bucket keeps its minimum (with the minimum's time) and maximum, so the lower
/// envelope survives downsampling. Values are stored as UInt32 KiB (up to 4 TiB) and the
/// minimum's time as UInt32 tenths of a second since the series origin (13 years); the
/// maximum's time lies in the same bucket, within 35 s of the minimum's, so it is kept as an
/// Int16 offset from it. 14 bytes a bucket: 700 bytes of heap plus the array header, allocated
/// on the first sample.
public struct CompactHistory: Sendable {
    public static let fineBucketSeconds: Double = 5
    public static let fineBucketCapacity = 24
    public static let coarseBucketSeconds: Double = 30
    public static let coarseBucketCapacity = 26
    /// Both rings plus the two buckets still filling.
    public static let maximumPointCount = fineBucketCapacity + coarseBucketCapacity + 2

    private static let coarseBase = fineBucketCapacity
    private static let storedBuckets = fineBucketCapacity + coarseBucketCapacity

    /// A bucket being filled: compact, inline, no heap.
    private struct OpenBucket: Sendable {
        var index: Int64 = -1
        var minTenths: UInt32 = 0
        var minKiB: UInt32 = .max
        var maxTenths: UInt32 = 0
        var maxKiB: UInt32 = 0
        var isEmpty: Bool { index < 0 }

        mutating func absorb(minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
            if lowKiB < minKiB {
                minKiB = lowKiB
                self.minTenths = minTenths
            }
            if highKiB >= maxKiB {
                maxKiB = highKiB
                self.maxTenths = maxTenths
            }
        }

        func store(into storage: inout ContiguousArray<StoredBucket>, at slot: Int) {
            storage[slot] = StoredBucket(minTenths: minTenths, lowKiB: minKiB, maxTenths: maxTenths, highKiB: maxKiB)
        }
    }

    /// A closed bucket in 14 bytes: 16-bit halves keep its alignment at 2, so a ring of them has
    /// no padding (four UInt32 and an Int16 would take 16).
    private struct StoredBucket: Sendable {
        private var minTenthsLow: UInt16 = 0
        private var minTenthsHigh: UInt16 = 0
        private var lowKiBLow: UInt16 = 0
        private var lowKiBHigh: UInt16 = 0
        private var highKiBLow: UInt16 = 0
        private var highKiBHigh: UInt16 = 0
        /// The maximum's time minus the minimum's, in tenths: at most 35 s apart (a 30 s bucket's
        /// minimum and the 5 s bucket the maximum came from), far inside ±3276.7 s.
        private var maxOffsetTenths: Int16 = 0

        init() {}

        init(minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
            minTenthsLow = UInt16(truncatingIfNeeded: minTenths)
            minTenthsHigh = UInt16(truncatingIfNeeded: minTenths >> 16)
            lowKiBLow = UInt16(truncatingIfNeeded: lowKiB)
            lowKiBHigh = UInt16(truncatingIfNeeded: lowKiB >> 16)
            highKiBLow = UInt16(truncatingIfNeeded: highKiB)
            highKiBHigh = UInt16(truncatingIfNeeded: highKiB >> 16)
            let offset = Int64(maxTenths) - Int64(minTenths)
            assert(offset == Int64(Int16(clamping: offset)), "a bucket's maximum \(offset) tenths from its minimum")
            maxOffsetTenths = Int16(clamping: offset)
        }

        var minTenths: UInt32 { UInt32(minTenthsHigh) << 16 | UInt32(minTenthsLow) }
        var lowKiB: UInt32 { UInt32(lowKiBHigh) << 16 | UInt32(lowKiBLow) }
        var highKiB: UInt32 { UInt32(highKiBHigh) << 16 | UInt32(highKiBLow) }
        var maxTenths: UInt32 { UInt32(Int64(minTenths) + Int64(maxOffsetTenths)) }
    }

    /// Ring layout: fine buckets first, then coarse.
    private var storage: ContiguousArray<StoredBucket> = []
    private var fineHead: Int16 = 0  // index of the oldest fine bucket
    private var fineCount: Int16 = 0
    private var coarseHead: Int16 = 0
    private var coarseCount: Int16 = 0
    private var openFine = OpenBucket()
    private var openCoarse = OpenBucket()
    /// The first sample's time is the origin of the stored times. Plain doubles and one flag
    /// rather than two optionals: 8 bytes less in every predictor.
    private var originSeconds: Double = 0
    private var latestSeconds: Double = 0
    public private(set) var isEmpty = true

    public init() {}

    public var firstTimeSeconds: Double? { isEmpty ? nil : originSeconds }
    public var lastTimeSeconds: Double? { isEmpty ? nil : latestSeconds }

    /// Heap bytes this history holds (for footprint accounting and tests).
    public var heapBytes: Int { storage.capacity * MemoryLayout<StoredBucket>.stride }

    /// Forgets everything (restart, new cgroup), keeping the allocation.
    public mutating func reset() {
        fineHead = 0
        fineCount = 0
        coarseHead = 0
        coarseCount = 0
        openFine = OpenBucket()
        openCoarse = OpenBucket()
        isEmpty = true
    }

    /// Adds a sample. Samples must come in time order; an earlier one is treated as simultaneous.
    public mutating func record(timeSeconds: Double, bytes: UInt64) {
        if storage.isEmpty {
            storage = ContiguousArray(repeating: StoredBucket(), count: Self.storedBuckets)
        }
        if isEmpty {
            isEmpty = false
            originSeconds = timeSeconds
            latestSeconds = timeSeconds
        }
        let time = max(timeSeconds, latestSeconds)
        latestSeconds = time
        let offset = time - originSeconds
        let tenths = UInt32(min((offset * 10).rounded(), Double(UInt32.max)))
        let kib = UInt32(min(bytes / 1024, UInt64(UInt32.max)))
        let index = Int64(offset / Self.fineBucketSeconds)
        if openFine.isEmpty {
            openFine.index = index
        } else if index > openFine.index {
            closeFineBucket()
            openFine = OpenBucket()
            openFine.index = index
        }
        openFine.absorb(minTenths: tenths, lowKiB: kib, maxTenths: tenths, highKiB: kib)
    }

    private mutating func closeFineBucket() {
        let capacity = Int16(Self.fineBucketCapacity)
        if fineCount == capacity {
            // The oldest fine bucket moves down a resolution.
            let oldest = storage[Int(fineHead)]
            moveToCoarse(
                minTenths: oldest.minTenths, lowKiB: oldest.lowKiB, maxTenths: oldest.maxTenths, highKiB: oldest.highKiB)
            fineHead = (fineHead + 1) % capacity
            fineCount -= 1
        }
        let slot = Int((fineHead + fineCount) % capacity)
        openFine.store(into: &storage, at: slot)
        fineCount += 1
    }

    /// A fine bucket's minimum lies inside the bucket and 5 s divides 30 s, so the minimum's time
    /// alone says which coarse bucket it joins.
    private mutating func moveToCoarse(minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
        let coarseIndex = Int64(minTenths) / Int64(Self.coarseBucketSeconds * 10)
        if !openCoarse.isEmpty && coarseIndex > openCoarse.index {
            let capacity = Int16(Self.coarseBucketCapacity)
            if coarseCount == capacity {
                coarseHead = (coarseHead + 1) % capacity
                coarseCount -= 1
            }
            let slot = Self.coarseBase + Int((coarseHead + coarseCount) % capacity)
            openCoarse.store(into: &storage, at: slot)
            coarseCount += 1
            openCoarse = OpenBucket()
        }
        if openCoarse.isEmpty { openCoarse.index = coarseIndex }
        openCoarse.absorb(minTenths: minTenths, lowKiB: lowKiB, maxTenths: maxTenths, highKiB: highKiB)
    }

    /// Writes the envelope points, oldest first, into `buffer` (room for `maximumPointCount`)
    /// and returns how many were written. Points before `notBeforeSeconds` are skipped.
    public func copyPoints(into buffer: UnsafeMutableBufferPointer<EnvelopePoint>, notBeforeSeconds: Double = -.infinity) -> Int {
        var count = 0
        func emit(_ minTenths: UInt32, _ lowKiB: UInt32, _ maxTenths: UInt32, _ highKiB: UInt32) {
            let time = originSeconds + Double(minTenths) / 10
            guard time >= notBeforeSeconds, count < buffer.count else { return }
            buffer[count] = EnvelopePoint(
                timeSeconds: time, lowBytes: Double(lowKiB) * 1024, highBytes: Double(highKiB) * 1024,
                highTimeSeconds: originSeconds + Double(maxTenths) / 10)
            count += 1
        }
        storage.withUnsafeBufferPointer { buckets in
            for i in 0..<Int(coarseCount) {
                let bucket = buckets[Self.coarseBase + (Int(coarseHead) + i) % Self.coarseBucketCapacity]
                emit(bucket.minTenths, bucket.lowKiB, bucket.maxTenths, bucket.highKiB)
            }
            if !openCoarse.isEmpty { emit(openCoarse.minTenths, openCoarse.minKiB, openCoarse.maxTenths, openCoarse.maxKiB) }
            for i in 0..<Int(fineCount) {
                let bucket = buckets[(Int(fineHead) + i) % Self.fineBucketCapacity]
                emit(bucket.minTenths, bucket.lowKiB, bucket.maxTenths, bucket.highKiB)
            }
        }
        if !openFine.isEmpty { emit(openFine.minTenths, openFine.minKiB, openFine.maxTenths, openFine.maxKiB) }
        return count
    }
}
