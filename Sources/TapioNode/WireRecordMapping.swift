import TapioWire

/// How the node's readings become wire records: one place that knows both sides' fields.
public enum WireRecordMapping {
    /// Kernel events as records. `oom_score_adj` updates are metadata about future kills, not
    /// kills, and have no record of their own: nil.
    public static func record(_ event: KernelEvent) -> Record? {
        switch event {
        case .processRSS(let e):
            return Record(timestampNs: e.timestampNs, body: .processRSS(ProcessRSS(
                pid: UInt32(bitPattern: e.pid), tgid: UInt32(bitPattern: e.tgid), cgroupId: e.cgroupID,
                anonBytes: e.anonBytes, fileBytes: e.fileBytes, shmemBytes: e.shmemBytes, swapBytes: e.swapBytes)))
        case .oomKill(let e):
            return Record(timestampNs: e.timestampNs, body: .oomKill(OOMKill(
                pid: UInt32(bitPattern: e.victimTGID), triggerPid: UInt32(bitPattern: e.triggerTGID),
                cgroupId: e.victimCgroupID, totalVmKiB: e.totalVMKiB, anonRssKiB: e.anonRSSKiB,
                fileRssKiB: e.fileRSSKiB, shmemRssKiB: e.shmemRSSKiB, pageTablesKiB: e.pageTablesKiB,
                uid: e.uid, oomScoreAdj: e.oomScoreAdj, comm: e.victimComm)))
        case .processStart(let e):
            return Record(timestampNs: e.timestampNs, body: .processStart(ProcessStart(
                pid: UInt32(bitPattern: e.pid), ppid: UInt32(bitPattern: e.ppid), cgroupId: e.cgroupID,
                pidNamespaceLevel: e.pidNamespaceLevel, namespacePid: UInt32(bitPattern: e.namespacePID),
                cause: e.kind == .fork ? .fork : .exec, comm: e.comm)))
        case .processExit(let e):
            return Record(timestampNs: e.timestampNs, body: .processExit(ProcessExit(
                pid: UInt32(bitPattern: e.pid), ppid: UInt32(bitPattern: e.ppid), cgroupId: e.cgroupID,
                pidNamespaceLevel: e.pidNamespaceLevel, namespacePid: UInt32(bitPattern: e.namespacePID),
                exitCode: e.exitCode, comm: e.comm)))
        case .oomScoreAdjUpdate:
            return nil
        }
    }

    /// A cgroup reading as a memory-sample record. Counters the kernel does not give on this
    /// cgroup version go out as 0 (the wire has no "absent" for them); reclaim and pressure
    /// figures go out as absent.
    public static func record(_ sample: CgroupMemorySample, timestampNs: UInt64) -> Record {
        Record(timestampNs: timestampNs, body: .memorySample(MemorySample(
            cgroupId: sample.cgroupId, usageBytes: sample.usageBytes, effectiveLimitBytes: sample.effectiveLimitBytes,
            anonBytes: sample.anonBytes, fileBytes: sample.fileBytes, inactiveFileBytes: sample.inactiveFileBytes,
            shmemBytes: sample.shmemBytes, kernelBytes: sample.kernelBytes ?? 0, swapBytes: sample.swapBytes ?? 0,
            oomEvents: sample.oomEvents ?? 0, oomKillEvents: sample.oomKillEvents ?? 0, limitHits: sample.limitHitCount,
            pgscan: sample.pgscan, pgsteal: sample.pgsteal,
            pressureSomeAvg10Centipercent: sample.pressure.map { centipercent($0.some.avg10) },
            pressureFullAvg10Centipercent: sample.pressure?.full.map { centipercent($0.avg10) },
            pressureSomeTotalMicroseconds: sample.pressure?.some.totalMicroseconds,
            pressureFullTotalMicroseconds: sample.pressure?.full?.totalMicroseconds)))
    }

    public static func record(_ node: NodeMemorySample, timestampNs: UInt64) -> Record {
        Record(timestampNs: timestampNs, body: .nodeSample(NodeSample(
            memTotalBytes: node.memTotalBytes, memAvailableBytes: node.memAvailableBytes,
            swapTotalBytes: node.swapTotalBytes, swapFreeBytes: node.swapFreeBytes,
            pressureSomeAvg10Centipercent: node.pressure.map { centipercent($0.some.avg10) },
            pressureFullAvg10Centipercent: node.pressure?.full.map { centipercent($0.avg10) },
            pressureSomeTotalMicroseconds: node.pressure?.some.totalMicroseconds,
            pressureFullTotalMicroseconds: node.pressure?.full?.totalMicroseconds)))
    }

    public static func record(_ identity: ContainerIdentity, cgroupId: UInt64, timestampNs: UInt64) -> Record {
        let runtime: ContainerInfo.Runtime = switch identity.runtime {
        case .containerd: .containerd
        case .crio: .crio
        case .docker: .docker
        case .none: .none
        case .unknown: .other
        }
        let qos: ContainerInfo.QoSClass = switch identity.qosClass {
        case .guaranteed: .guaranteed
        case .burstable: .burstable
        case .besteffort: .bestEffort
        case nil: .unknown
        }
        return Record(timestampNs: timestampNs, body: .containerInfo(ContainerInfo(
            cgroupId: cgroupId, runtime: runtime, qosClass: qos, specLimitBytes: identity.memoryLimitBytes,
            cgroupPath: identity.cgroupPath, containerId: identity.containerID ?? "", podUid: identity.podUID ?? "",
            podName: identity.podName ?? "", namespace: identity.namespace ?? "", containerName: identity.containerName ?? "",
            workload: identity.workload ?? "", podPhase: identity.podPhase ?? "", label: identity.label)))
    }

    public static func record(cgroupId: UInt64, pages: CgroupPageCounters, intervalNs: UInt64, timestampNs: UInt64) -> Record {
        Record(timestampNs: timestampNs, body: .pageActivity(PageActivity(
            cgroupId: cgroupId, pagesAllocated: pages.allocatedPages, pagesFreed: pages.freedPages, intervalNanoseconds: intervalNs)))
    }

    /// PSI averages are percentages with two decimals; the wire keeps hundredths.
    static func centipercent(_ percent: Double) -> UInt32 {
        UInt32(clamping: Int((max(percent, 0) * 100).rounded()))
    }
}
