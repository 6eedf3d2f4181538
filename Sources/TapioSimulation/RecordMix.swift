import Foundation
import TapioWire

/// A realistic stream of records from one node: per container a memory sample, page activity
/// and a few process RSS updates each second, occasional short-lived worker processes (a start,
/// then an exit 5–60 s later), and a node sample per second. Deterministic for a given seed.
public struct RecordMix: Sendable {
    public var containers: Int
    private var generator: SeededGenerator
    private var clockNs: UInt64
    private var usage: [UInt64]
    /// Workers started and not yet exited: (exit time, the start record).
    private var running: [(exitNs: UInt64, start: ProcessStart)] = []

    public init(containers: Int, seed: UInt64 = 1, startNs: UInt64 = SampleRecords.baseTimestampNs) {
        self.containers = containers
        generator = SeededGenerator(seed: seed)
        clockNs = startNs
        usage = (0..<containers).map { UInt64($0 % 7 + 1) * 32 << 20 }
    }

    /// Each container's identity, as an exporter announces it when it finds the container:
    /// a Kubernetes pod of workload `svc-G-I` (container I of node group G = `node / 4`, so
    /// every workload has four replicas on four nodes), with realistic name lengths.
    public func containerInfos(node: Int) -> [Record] {
        (0..<containers).map { index in
            let cgroupId = UInt64(10_000 + index)
            let uid = String(format: "%08x-%04x-%04x-%04x-%012x", node, index, 0x4000 | (node & 0xfff), 0x8000 | index, node * 1000 + index)
            let containerId = String(repeating: String(format: "%016x", UInt64(node) << 32 | UInt64(index)), count: 4)
            let workload = "svc-\(node / 4)-\(index)"
            let pod = "\(workload)-7d9f8b6c5-\(String(format: "%05x", node * 31 + index))"
            return Record(timestampNs: clockNs, body: .containerInfo(ContainerInfo(
                cgroupId: cgroupId, runtime: .containerd, qosClass: .burstable, specLimitBytes: 512 << 20,
                cgroupPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uid.replacingOccurrences(of: "-", with: "_")).slice/cri-containerd-\(containerId).scope",
                containerId: containerId, podUid: uid, podName: pod, namespace: "shop", containerName: "app",
                workload: workload, podPhase: "Running")))
        }
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
                let start = ProcessStart(
                    pid: pid, ppid: UInt32(100_000 + index * 8), cgroupId: cgroupId, pidNamespaceLevel: 1,
                    namespacePid: pid % 1000, cause: .exec, comm: "worker")
                records.append(Record(timestampNs: t + 5, body: .processStart(start)))
                // The lifetime comes from the pid, not the generator, so the records drawn
                // before any exit are the same as without exits.
                running.append((t + UInt64(5 + pid % 56) * 1_000_000_000, start))
            }
        }
        let ending = clockNs + 1_000_000_000
        running.removeAll { worker in
            guard worker.exitNs < ending else { return false }
            let s = worker.start
            records.append(Record(timestampNs: worker.exitNs, body: .processExit(ProcessExit(
                pid: s.pid, ppid: s.ppid, cgroupId: s.cgroupId, pidNamespaceLevel: s.pidNamespaceLevel,
                namespacePid: s.namespacePid, exitCode: 0, comm: s.comm))))
            return true
        }
        records.append(Record(timestampNs: clockNs, body: .nodeSample(NodeSample(
            memTotalBytes: 25_769_803_776, memAvailableBytes: 20_401_094_656,
            pressureSomeAvg10Centipercent: 0, pressureFullAvg10Centipercent: 0,
            pressureSomeTotalMicroseconds: 0, pressureFullTotalMicroseconds: 0))))
        clockNs += 1_000_000_000
        return records
    }
}
