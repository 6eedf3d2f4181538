/// Fixed-size, multi-resolution history of one memory series, small enough to keep one per
/// container for fleets of 100,000 containers.
///
/// Samples (about 1/s) are folded into 5 s buckets; the last 24 of those (2 min) are kept, older
/// ones are merged into 30 s buckets, the last 26 of which (13 min) are kept: 15 minutes in 50
/// points. Each bucket keeps its minimum (with the minimum's time) and maximum, so the lower
/// envelope survives downsampling. Values are stored as UInt32 KiB (up to 4 TiB), times as
/// tenths of a second (see `StoredBucket`): 12 bytes a bucket, 600 bytes of heap plus the
/// array header, allocated on the first sample. Times are tenths since the series origin, up
/// to 13 years.
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

        func store(into storage: inout ContiguousArray<StoredBucket>, at slot: Int, bucketTenths: Int64) {
            storage[slot] = StoredBucket(
                index: index, bucketTenths: bucketTenths, minTenths: minTenths, lowKiB: minKiB, maxTenths: maxTenths,
                highKiB: maxKiB)
        }
    }

    /// A closed bucket in 12 bytes: its minimum and maximum in KiB, and one word with where
    /// they lie in time. A bucket's index (its start, in bucket lengths since the origin) is
    /// kept modulo 8,192 and recovered from the open bucket of its ring, which is newer than
    /// every stored one and, by the rule in `record`, less than 8,192 buckets ahead (11 h of
    /// 5 s buckets, 68 h of 30 s ones). The minimum's time is kept as tenths of a second into
    /// the bucket (≤ 300) and the maximum's as tenths from the minimum (±350; the maximum
    /// lies in the same 5 s bucket or, for a 30 s bucket, one of its six). Four UInt32 and an
    /// Int16 took 14 bytes, even with 16-bit halves.
    private struct StoredBucket: Sendable {
        static let indexBits: UInt32 = 13
        static let indexModulus = Int64(1) << indexBits
        private static let minBits: UInt32 = 9
        private static let deltaBits: UInt32 = 10

        var lowKiB: UInt32 = 0
        var highKiB: UInt32 = 0
        private var placement: UInt32 = 0

        init() {}

        /// `bucketTenths` is the length of the bucket in tenths (50 or 300).
        init(index: Int64, bucketTenths: Int64, minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
            self.lowKiB = lowKiB
            self.highKiB = highKiB
            let intoBucket = Int64(minTenths) - index * bucketTenths
            let delta = Int64(maxTenths) - Int64(minTenths)
            // Both always fit; clamped only for times past the 13-year range of the tenths.
            let low = UInt32(truncatingIfNeeded: index & (Self.indexModulus - 1))
            let middle = UInt32(truncatingIfNeeded: min(max(intoBucket, 0), 511)) << Self.indexBits
            let high = UInt32(truncatingIfNeeded: min(max(delta, -512), 511)) << (Self.indexBits + Self.minBits)
            placement = low | middle | high
        }

        /// The full index, given the index of a bucket at most 8,191 buckets newer.
        func index(relativeTo newer: Int64) -> Int64 {
            newer - ((newer - Int64(placement & UInt32(Self.indexModulus - 1))) & (Self.indexModulus - 1))
        }

        func minTenths(index: Int64, bucketTenths: Int64) -> UInt32 {
            let intoBucket = Int64((placement >> Self.indexBits) & (1 << Self.minBits - 1))
            return UInt32(truncatingIfNeeded: index * bucketTenths + intoBucket)
        }

        func maxTenths(minTenths: UInt32) -> UInt32 {
            // Sign-extends the top 10 bits.
            let delta = Int64(Int32(bitPattern: placement) >> Int32(Self.indexBits + Self.minBits))
            return UInt32(truncatingIfNeeded: Int64(minTenths) + delta)
        }
    }

    /// A stored bucket with its times decoded.
    private struct Bucket {
        var minTenths: UInt32
        var lowKiB: UInt32
        var maxTenths: UInt32
        var highKiB: UInt32
    }

    private static let fineTenths = Int64(fineBucketSeconds * 10)
    private static let coarseTenths = Int64(coarseBucketSeconds * 10)

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
            // Stored indices are kept modulo 8,192: a fine bucket that far behind the new one
            // (11 h, after long gaps) moves down a resolution early rather than be misdated.
            while fineCount > 0, index - storage[Int(fineHead)].index(relativeTo: openFine.index) >= StoredBucket.indexModulus {
                moveOldestFineToCoarse()
            }
            openFine = OpenBucket()
            openFine.index = index
        }
        openFine.absorb(minTenths: tenths, lowKiB: kib, maxTenths: tenths, highKiB: kib)
    }

    private mutating func closeFineBucket() {
        let capacity = Int16(Self.fineBucketCapacity)
        if fineCount == capacity { moveOldestFineToCoarse() }
        let slot = Int((fineHead + fineCount) % capacity)
        openFine.store(into: &storage, at: slot, bucketTenths: Self.fineTenths)
        fineCount += 1
    }

    /// The oldest stored fine bucket, decoded against the open fine bucket (newer than all).
    private func fineBucket(at position: Int, reference: Int64) -> Bucket {
        decode(storage[(Int(fineHead) + position) % Self.fineBucketCapacity], reference: reference, bucketTenths: Self.fineTenths)
    }

    private func coarseBucket(at position: Int, reference: Int64) -> Bucket {
        decode(
            storage[Self.coarseBase + (Int(coarseHead) + position) % Self.coarseBucketCapacity], reference: reference,
            bucketTenths: Self.coarseTenths)
    }

    private func decode(_ stored: StoredBucket, reference: Int64, bucketTenths: Int64) -> Bucket {
        let minTenths = stored.minTenths(index: stored.index(relativeTo: reference), bucketTenths: bucketTenths)
        return Bucket(minTenths: minTenths, lowKiB: stored.lowKiB, maxTenths: stored.maxTenths(minTenths: minTenths), highKiB: stored.highKiB)
    }

    /// The oldest fine bucket moves down a resolution. Called while `openFine` is the bucket
    /// its index is decoded against.
    private mutating func moveOldestFineToCoarse() {
        let oldest = fineBucket(at: 0, reference: openFine.index)
        fineHead = (fineHead + 1) % Int16(Self.fineBucketCapacity)
        fineCount -= 1
        moveToCoarse(minTenths: oldest.minTenths, lowKiB: oldest.lowKiB, maxTenths: oldest.maxTenths, highKiB: oldest.highKiB)
    }

    /// A fine bucket's minimum lies inside the bucket and 5 s divides 30 s, so the minimum's time
    /// alone says which coarse bucket it joins.
    private mutating func moveToCoarse(minTenths: UInt32, lowKiB: UInt32, maxTenths: UInt32, highKiB: UInt32) {
        let coarseIndex = Int64(minTenths) / Self.coarseTenths
        if !openCoarse.isEmpty && coarseIndex > openCoarse.index {
            let capacity = Int16(Self.coarseBucketCapacity)
            if coarseCount == capacity {
                coarseHead = (coarseHead + 1) % capacity
                coarseCount -= 1
            }
            let slot = Self.coarseBase + Int((coarseHead + coarseCount) % capacity)
            openCoarse.store(into: &storage, at: slot, bucketTenths: Self.coarseTenths)
            coarseCount += 1
            // Stored indices are kept modulo 8,192: a coarse bucket that far behind the new
            // one (68 h, after long gaps) is forgotten rather than misdated.
            while coarseCount > 0,
                coarseIndex - storage[Self.coarseBase + Int(coarseHead)].index(relativeTo: openCoarse.index) >= StoredBucket.indexModulus
            {
                coarseHead = (coarseHead + 1) % capacity
                coarseCount -= 1
            }
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
        for i in 0..<Int(coarseCount) {
            let bucket = coarseBucket(at: i, reference: openCoarse.index)
            emit(bucket.minTenths, bucket.lowKiB, bucket.maxTenths, bucket.highKiB)
        }
        if !openCoarse.isEmpty { emit(openCoarse.minTenths, openCoarse.minKiB, openCoarse.maxTenths, openCoarse.maxKiB) }
        for i in 0..<Int(fineCount) {
            let bucket = fineBucket(at: i, reference: openFine.index)
            emit(bucket.minTenths, bucket.lowKiB, bucket.maxTenths, bucket.highKiB)
        }
        if !openFine.isEmpty { emit(openFine.minTenths, openFine.minKiB, openFine.maxTenths, openFine.maxKiB) }
        return count
    }
}
