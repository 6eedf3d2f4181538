import TapioWire

/// Hand-written records of every kind, with plausible values, for vectors and tests.
public enum SampleRecords {
    public static let baseTimestampNs: UInt64 = 1_764_072_000_000_000_000  // 2025-11-25T12:00:00Z

    public static let everyKind: [Record] = [
        Record(timestampNs: baseTimestampNs, body: .memorySample(MemorySample(
            cgroupId: 4242, usageBytes: 199_229_440, effectiveLimitBytes: 268_435_456, anonBytes: 150_994_944,
            fileBytes: 41_943_040, inactiveFileBytes: 20_971_520, shmemBytes: 1_048_576, kernelBytes: 5_242_880,
            swapBytes: 0, oomEvents: 0, oomKillEvents: 0, limitHits: 3, pgscan: 1200, pgsteal: 900,
            pressureSomeAvg10Centipercent: 125, pressureFullAvg10Centipercent: 40,
            pressureSomeTotalMicroseconds: 123_456, pressureFullTotalMicroseconds: 45_678))),
        Record(timestampNs: baseTimestampNs + 1, body: .memorySample(MemorySample(
            cgroupId: 77, usageBytes: 8_388_608, effectiveLimitBytes: nil, anonBytes: 4_194_304))),
        Record(timestampNs: baseTimestampNs + 2, body: .processRSS(ProcessRSS(
            pid: 4242, tgid: 4242, cgroupId: 4242, anonBytes: 150_994_944, fileBytes: 10_485_760,
            shmemBytes: 0, swapBytes: 0))),
        Record(timestampNs: baseTimestampNs + 3, body: .oomKill(OOMKill(
            pid: 4242, triggerPid: 4250, cgroupId: 4242, totalVmKiB: 2_097_152, anonRssKiB: 262_144,
            fileRssKiB: 1024, shmemRssKiB: 0, pageTablesKiB: 600, uid: 1000, oomScoreAdj: 999, comm: "java"))),
        Record(timestampNs: baseTimestampNs + 4, body: .processStart(ProcessStart(
            pid: 5001, ppid: 4999, cgroupId: 4242, pidNamespaceLevel: 1, namespacePid: 7, cause: .exec, comm: "node"))),
        Record(timestampNs: baseTimestampNs + 5, body: .processStart(ProcessStart(
            pid: 5002, ppid: 5001, cgroupId: 4242, pidNamespaceLevel: 0, namespacePid: 5002, cause: .fork, comm: "node"))),
        Record(timestampNs: baseTimestampNs + 6, body: .processExit(ProcessExit(
            pid: 5001, ppid: 4999, cgroupId: 4242, pidNamespaceLevel: 1, namespacePid: 7, exitCode: 9, comm: "node"))),
        Record(timestampNs: baseTimestampNs + 7, body: .containerInfo(ContainerInfo(
            cgroupId: 4242, runtime: .containerd, qosClass: .burstable, specLimitBytes: 268_435_456,
            cgroupPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3c1a2b_1111_2222_3333_444455556666.slice/cri-containerd-9c1e0d7a.scope",
            containerId: "9c1e0d7a", podUid: "0f3c1a2b-1111-2222-3333-444455556666", podName: "api-service-7d9f8b6c5-x2kqp",
            namespace: "shop", containerName: "api", workload: "api-service", podPhase: "Running", label: "shop/api-service"))),
        Record(timestampNs: baseTimestampNs + 8, body: .nodeSample(NodeSample(
            memTotalBytes: 25_769_803_776, memAvailableBytes: 20_401_094_656, swapTotalBytes: 0, swapFreeBytes: 0,
            pressureSomeAvg10Centipercent: 0, pressureFullAvg10Centipercent: 0,
            pressureSomeTotalMicroseconds: 1_000, pressureFullTotalMicroseconds: 200))),
        Record(timestampNs: baseTimestampNs + 9, body: .pageActivity(PageActivity(
            cgroupId: 4242, pagesAllocated: 25_600, pagesFreed: 1_024, intervalNanoseconds: 1_000_000_000))),
        Record(timestampNs: baseTimestampNs + 10, body: .lossReport(LossReport(
            source: .ringBuffer, lostRecords: 17, lostBytes: 1_088))),
    ]
}
