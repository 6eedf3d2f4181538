import TapioWire

/// A realistic stream of records from one node: per container a memory sample, page activity
/// and a few process RSS updates each second, occasional process starts/exits, a node sample
/// per second and rare OOM kills. Deterministic for a given seed.
public struct RecordMix: Sendable {
    public var containers: Int
    private var generator: SeededGenerator
    private var clockNs: UInt64
    private var usage: [UInt64]

    public init(containers: Int, seed: UInt64 = 1, startNs: UInt64 = SampleRecords.baseTimestampNs) {
        self.containers = containers
        generator = SeededGenerator(seed: seed)
        clockNs = startNs
        usage = (0..<containers).map { UInt64($0 % 7 + 1) * 32 << 20 }
    }

    /// The records of one simulated second.
    public mutating func nextSecond() -> [Record] {
        var records: [Record] = []
        records.reserveCapacity(containers * 6 + 1)
        for index in 0..<containers {
            let cgroupId = UInt64(10_000 + index)
            let step = Int64.random(in: -(1 << 20)...(2 << 20), using: &generator)
            usage[index] = UInt64(max(Int64(16 << 20), Int64(usage[index]) + step))
            let current = usage[index]
            let t = clockNs + UInt64(index) * 1_000
            records.append(Record(timestampNs: t, body: .memorySample(MemorySample(
                cgroupId: cgroupId, usageBytes: current, effectiveLimitBytes: 512 << 20, anonBytes: current * 3 / 4,
                fileBytes: current / 4, inactiveFileBytes: current / 8, shmemBytes: 1 << 20, kernelBytes: 2 << 20,
                swapBytes: 0, oomEvents: 0, oomKillEvents: 0, limitHits: 0, pgscan: 0, pgsteal: 0,
                pressureSomeAvg10Centipercent: 0, pressureFullAvg10Centipercent: 0,
                pressureSomeTotalMicroseconds: 0, pressureFullTotalMicroseconds: 0))))
            records.append(Record(timestampNs: t + 1, body: .pageActivity(PageActivity(
                cgroupId: cgroupId, pagesAllocated: UInt64.random(in: 0...50_000, using: &generator),
                pagesFreed: UInt64.random(in: 0...50_000, using: &generator), intervalNanoseconds: 1_000_000_000))))
            for process in 0..<3 {
                let pid = UInt32(100_000 + index * 8 + process)
                records.append(Record(timestampNs: t + 2 + UInt64(process), body: .processRSS(ProcessRSS(
                    pid: pid, tgid: pid, cgroupId: cgroupId, anonBytes: current / 4, fileBytes: 4 << 20,
                    shmemBytes: 0, swapBytes: 0))))
            }
            if UInt64.random(in: 0..<20, using: &generator) == 0 {
                let pid = UInt32.random(in: 200_000...400_000, using: &generator)
                records.append(Record(timestampNs: t + 5, body: .processStart(ProcessStart(
                    pid: pid, ppid: UInt32(100_000 + index * 8), cgroupId: cgroupId, pidNamespaceLevel: 1,
                    namespacePid: pid % 1000, cause: .exec, comm: "worker"))))
            }
        }
        records.append(Record(timestampNs: clockNs, body: .nodeSample(NodeSample(
            memTotalBytes: 25_769_803_776, memAvailableBytes: 20_401_094_656,
            pressureSomeAvg10Centipercent: 0, pressureFullAvg10Centipercent: 0,
            pressureSomeTotalMicroseconds: 0, pressureFullTotalMicroseconds: 0))))
        clockNs += 1_000_000_000
        return records
    }
}
