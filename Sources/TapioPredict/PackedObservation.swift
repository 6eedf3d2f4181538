/// A `MemoryObservation?` as a predictor keeps it: the same figures, with the presence of the
/// optional ones in one byte instead of a padded tag each (73 bytes instead of 98, in every
/// container's predictor).
struct PackedObservation: Sendable {
    private struct Present: OptionSet, Sendable {
        let rawValue: UInt8
        static let observation = Present(rawValue: 1 << 0)
        static let limit = Present(rawValue: 1 << 1)
        static let reclaimScanned = Present(rawValue: 1 << 2)
        static let reclaimReclaimed = Present(rawValue: 1 << 3)
        static let pressure = Present(rawValue: 1 << 4)
    }

    private var timeSeconds: Double = 0
    private var usageBytes: UInt64 = 0
    private var reclaimableBytes: UInt64 = 0
    private var limitBytes: UInt64 = 0
    private var limitHits: UInt64 = 0
    private var reclaimScanned: UInt64 = 0
    private var reclaimReclaimed: UInt64 = 0
    private var oomKills: UInt64 = 0
    private var pressureFullAvg10: Double = 0
    private var present: Present = []

    init() {}

    init(_ observation: MemoryObservation?) {
        guard let observation else { return }
        present.insert(.observation)
        timeSeconds = observation.timeSeconds
        usageBytes = observation.usageBytes
        reclaimableBytes = observation.reclaimableBytes
        limitHits = observation.limitHits
        oomKills = observation.oomKills
        if let value = observation.limitBytes {
            limitBytes = value
            present.insert(.limit)
        }
        if let value = observation.reclaimScanned {
            reclaimScanned = value
            present.insert(.reclaimScanned)
        }
        if let value = observation.reclaimReclaimed {
            reclaimReclaimed = value
            present.insert(.reclaimReclaimed)
        }
        if let value = observation.pressureFullAvg10 {
            pressureFullAvg10 = value
            present.insert(.pressure)
        }
    }

    var observation: MemoryObservation? {
        guard present.contains(.observation) else { return nil }
        return MemoryObservation(
            timeSeconds: timeSeconds, usageBytes: usageBytes, reclaimableBytes: reclaimableBytes,
            limitBytes: present.contains(.limit) ? limitBytes : nil, limitHits: limitHits,
            reclaimScanned: present.contains(.reclaimScanned) ? reclaimScanned : nil,
            reclaimReclaimed: present.contains(.reclaimReclaimed) ? reclaimReclaimed : nil, oomKills: oomKills,
            pressureFullAvg10: present.contains(.pressure) ? pressureFullAvg10 : nil)
    }
}
