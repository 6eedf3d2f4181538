/// Recognises a cgroup pinned at its limit while reclaim fails: the way garbage-collected
/// runtimes spend their last minutes before a kill, with a flat slope. A cache-heavy cgroup at
/// its limit whose reclaim succeeds (working set well below the limit) does not qualify.
struct ReclaimFailureDetector: Sendable {
    private struct CounterSnapshot: Sendable {
        var timeSeconds: Double
        var limitHits: UInt64
        var reclaimScanned: UInt64?
        var reclaimReclaimed: UInt64?

        init(_ observation: MemoryObservation) {
            timeSeconds = observation.timeSeconds
            limitHits = observation.limitHits
            reclaimScanned = observation.reclaimScanned
            reclaimReclaimed = observation.reclaimReclaimed
        }
    }

    /// Counters are compared with a snapshot between half a window and a window old, which
    /// needs only two snapshots instead of a ring.
    private var older: CounterSnapshot?
    private var newer: CounterSnapshot?

    mutating func reset() {
        older = nil
        newer = nil
    }

    mutating func observe(_ observation: MemoryObservation, windowSeconds: Double) {
        guard let newer else {
            older = CounterSnapshot(observation)
            newer = older
            return
        }
        if observation.timeSeconds - newer.timeSeconds >= windowSeconds / 2 {
            older = newer
            self.newer = CounterSnapshot(observation)
        }
    }

    func isFailing(_ observation: MemoryObservation, configuration: PredictorConfiguration) -> Bool {
        guard let limit = observation.limitBytes, limit > 0, let older else { return false }
        let limitValue = Double(limit)
        guard Double(observation.usageBytes) >= configuration.atLimitUsageFraction * limitValue,
            observation.limitHits > older.limitHits
        else { return false }
        let workingSet = Double(observation.workingSetBytes)
        let pressureHigh = (observation.pressureFullAvg10 ?? 0) >= configuration.atLimitPressureFullPercent
        if let scanned = observation.reclaimScanned, let reclaimed = observation.reclaimReclaimed,
            let scannedBefore = older.reclaimScanned, let reclaimedBefore = older.reclaimReclaimed
        {
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
