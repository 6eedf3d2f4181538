/// Fixed-size, multi-resolution history of one memory series, small enough to keep one per
/// container for fleets of 100,000 containers.
///
/// Samples (about 1/s) are folded into 5 s buckets; the last 24 of those (2 min) are kept, older
/// ones are merged into 30 s buckets, the last 26 of which (13 min) are kept: 15 minutes in 50
/// points. Each bucket keeps its minimum (with the minimum's time) and maximum, so the lower
/// envelope survives downsampling. Values are stored as UInt32 KiB (up to 4 TiB) and times as
/// UInt32 tenths of a second since the series origin (13 years), packed into one array of 200
/// words: 800 bytes of heap plus the array header, allocated on the first sample.
public struct CompactHistory: Sendable {
    public static let fineBucketSeconds: Double = 5
    public static let fineBucketCapacity = 24
    public static let coarseBucketSeconds: Double = 30
    public static let coarseBucketCapacity = 26
    /// Both rings plus the two buckets still filling.
    public static let maximumPointCount = fineBucketCapacity + coarseBucketCapacity + 2

    private static let wordsPerBucket = 4
    private static let coarseBase = fineBucketCapacity * wordsPerBucket
    private static let storageWords = (fineBucketCapacity + coarseBucketCapacity) * wordsPerBucket

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

        func store(into storage: inout ContiguousArray<UInt32>, at slot: Int) {
            storage[slot] = minTenths
            storage[slot + 1] = minKiB
            storage[slot + 2] = maxTenths
            storage[slot + 3] = maxKiB
        }
    }

    /// Ring layout: fine buckets first, then coarse; each bucket is
    /// (time of minimum, minimum, time of maximum, maximum).
    private var storage: ContiguousArray<UInt32> = []
    private var originSeconds: Double = 0
    private var fineHead: Int16 = 0  // index of the oldest fine bucket
    private var fineCount: Int16 = 0
    private var coarseHead: Int16 = 0
    private var coarseCount: Int16 = 0
    private var openFine = OpenBucket()
    private var openCoarse = OpenBucket()
    public private(set) var firstTimeSeconds: Double?
    public private(set) var lastTimeSeconds: Double?

    public init() {}

    public var isEmpty: Bool { firstTimeSeconds == nil }

    /// Heap bytes this history holds (for footprint accounting and tests).
    public var heapBytes: Int { storage.capacity * MemoryLayout<UInt32>.stride }

    /// Forgets everything (restart, new cgroup), keeping the allocation.
    public mutating func reset() {
        fineHead = 0
        fineCount = 0
        coarseHead = 0
        coarseCount = 0
        openFine = OpenBucket()
        openCoarse = OpenBucket()
        firstTimeSeconds = nil
        lastTimeSeconds = nil
    }

    /// Adds a sample. Samples must come in time order; an earlier one is treated as simultaneous.
    public mutating func record(timeSeconds: Double, bytes: UInt64) {
        if storage.isEmpty {
            storage = ContiguousArray(repeating: 0, count: Self.storageWords)
        }
        if firstTimeSeconds == nil {
            firstTimeSeconds = timeSeconds
            originSeconds = timeSeconds
        }
        let time = max(timeSeconds, lastTimeSeconds ?? timeSeconds)
        lastTimeSeconds = time
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
            let slot = Int(fineHead) * Self.wordsPerBucket
            moveToCoarse(
                minTenths: storage[slot], lowKiB: storage[slot + 1], maxTenths: storage[slot + 2],
                highKiB: storage[slot + 3])
            fineHead = (fineHead + 1) % capacity
            fineCount -= 1
        }
        let slot = Int((fineHead + fineCount) % capacity) * Self.wordsPerBucket
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
            let slot = Self.coarseBase + Int((coarseHead + coarseCount) % capacity) * Self.wordsPerBucket
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
        storage.withUnsafeBufferPointer { words in
            for i in 0..<Int(coarseCount) {
                let slot = Self.coarseBase + ((Int(coarseHead) + i) % Self.coarseBucketCapacity) * Self.wordsPerBucket
                emit(words[slot], words[slot + 1], words[slot + 2], words[slot + 3])
            }
            if !openCoarse.isEmpty { emit(openCoarse.minTenths, openCoarse.minKiB, openCoarse.maxTenths, openCoarse.maxKiB) }
            for i in 0..<Int(fineCount) {
                let slot = ((Int(fineHead) + i) % Self.fineBucketCapacity) * Self.wordsPerBucket
                emit(words[slot], words[slot + 1], words[slot + 2], words[slot + 3])
            }
        }
        if !openFine.isEmpty { emit(openFine.minTenths, openFine.minKiB, openFine.maxTenths, openFine.maxKiB) }
        return count
    }
}
