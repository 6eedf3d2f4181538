/// Recognises a cgroup pinned at its limit while reclaim fails: the way garbage-collected
/// runtimes spend their last minutes before a kill, with a flat slope. A cache-heavy cgroup at
/// its limit whose reclaim succeeds (working set well below the limit) does not qualify.
struct ReclaimFailureDetector: Sendable {
    /// Counters at one sample. v1 has no reclaim counters: their presence is in the detector's
    /// flags, so two snapshots take 65 bytes instead of 90 in every container's predictor.
    private struct CounterSnapshot: Sendable {
        var timeSeconds: Double = 0
        var limitHits: UInt64 = 0
        var reclaimScanned: UInt64 = 0
        var reclaimReclaimed: UInt64 = 0

        init() {}

        init(_ observation: MemoryObservation) {
            timeSeconds = observation.timeSeconds
            limitHits = observation.limitHits
            reclaimScanned = observation.reclaimScanned ?? 0
            reclaimReclaimed = observation.reclaimReclaimed ?? 0
        }
    }

    private struct Present: OptionSet, Sendable {
        let rawValue: UInt8
        static let snapshots = Present(rawValue: 1 << 0)
        static let olderReclaimScanned = Present(rawValue: 1 << 1)
        static let olderReclaimReclaimed = Present(rawValue: 1 << 2)
        static let newerReclaimScanned = Present(rawValue: 1 << 3)
        static let newerReclaimReclaimed = Present(rawValue: 1 << 4)
    }

    /// Counters are compared with a snapshot between half a window and a window old, which
    /// needs only two snapshots instead of a ring.
    private var older = CounterSnapshot()
    private var newer = CounterSnapshot()
    private var present: Present = []

    mutating func reset() {
        present = []
    }

    mutating func observe(_ observation: MemoryObservation, windowSeconds: Double) {
        guard present.contains(.snapshots) else {
            older = CounterSnapshot(observation)
            newer = older
            present = [.snapshots]
            if observation.reclaimScanned != nil { present.formUnion([.olderReclaimScanned, .newerReclaimScanned]) }
            if observation.reclaimReclaimed != nil { present.formUnion([.olderReclaimReclaimed, .newerReclaimReclaimed]) }
            return
        }
        if observation.timeSeconds - newer.timeSeconds >= windowSeconds / 2 {
            older = newer
            newer = CounterSnapshot(observation)
            var now: Present = [.snapshots]
            if present.contains(.newerReclaimScanned) { now.insert(.olderReclaimScanned) }
            if present.contains(.newerReclaimReclaimed) { now.insert(.olderReclaimReclaimed) }
            if observation.reclaimScanned != nil { now.insert(.newerReclaimScanned) }
            if observation.reclaimReclaimed != nil { now.insert(.newerReclaimReclaimed) }
            present = now
        }
    }

    func isFailing(_ observation: MemoryObservation, configuration: PredictorConfiguration) -> Bool {
        guard let limit = observation.limitBytes, limit > 0, present.contains(.snapshots) else { return false }
        let limitValue = Double(limit)
        guard Double(observation.usageBytes) >= configuration.atLimitUsageFraction * limitValue,
            observation.limitHits > older.limitHits
        else { return false }
        let workingSet = Double(observation.workingSetBytes)
        let pressureHigh = (observation.pressureFullAvg10 ?? 0) >= configuration.atLimitPressureFullPercent
        if let scanned = observation.reclaimScanned, let reclaimed = observation.reclaimReclaimed,
            present.contains(.olderReclaimScanned), present.contains(.olderReclaimReclaimed)
        {
            let scannedBefore = older.reclaimScanned
            let reclaimedBefore = older.reclaimReclaimed
            guard workingSet >= configuration.atLimitWorkingSetFraction * limitValue else { return false }
            let scannedDelta = scanned >= scannedBefore ? scanned - scannedBefore : 0
            let reclaimedDelta = reclaimed >= reclaimedBefore ? reclaimed - reclaimedBefore : 0
            let reclaimFailing = scannedDelta > 0
                && Double(reclaimedDelta) < configuration.reclaimFailingEfficiency * Double(scannedDelta)
            return reclaimFailing || pressureHigh
        }
        // cgroup v1: only the working set's closeness to the limit tells reclaim has no room.
        return workingSet >= configuration.atLimitWorkingSetFractionWithoutReclaimStats * limitValue
    }
}
