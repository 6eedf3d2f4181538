import TapioSimulation
import TapioWire

/// Random records with extreme values (0, max, nil, long and non-ASCII strings) for
/// property-style round trips.
struct RandomRecords {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func u64() -> UInt64 {
        switch UInt8.random(in: 0..<4, using: &generator) {
        case 0: 0
        case 1: UInt64.max - 1  // max itself is the wire's "absent" sentinel
        default: UInt64.random(in: 0..<UInt64.max, using: &generator)
        }
    }

    mutating func u32() -> UInt32 { UInt32.random(in: 0..<UInt32.max, using: &generator) }
    mutating func optional64() -> UInt64? { Bool.random(using: &generator) ? nil : u64() }
    mutating func optional32() -> UInt32? { Bool.random(using: &generator) ? nil : u32() }

    mutating func string(maxLength: Int) -> String {
        let alphabet = Array("abcXYZ-_/.:0123456789 éü漢字🙂")
        let length = Int.random(in: 0...maxLength, using: &generator)
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// A comm: at most 16 bytes of ASCII, as the kernel keeps it.
    mutating func comm() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz-_0123456789")
        return String((0..<Int.random(in: 0...16, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
    }

    mutating func record() -> Record {
        let timestamp = u64()
        let body: Record.Body
        switch Int.random(in: 0..<9, using: &generator) {
        case 0:
            body = .memorySample(MemorySample(
                cgroupId: u64(), usageBytes: u64(), effectiveLimitBytes: optional64(), anonBytes: u64(), fileBytes: u64(),
                inactiveFileBytes: u64(), shmemBytes: u64(), kernelBytes: u64(), swapBytes: u64(), oomEvents: u64(),
                oomKillEvents: u64(), limitHits: u64(), pgscan: optional64(), pgsteal: optional64(),
                pressureSomeAvg10Centipercent: optional32(), pressureFullAvg10Centipercent: optional32(),
                pressureSomeTotalMicroseconds: optional64(), pressureFullTotalMicroseconds: optional64()))
        case 1:
            body = .processRSS(ProcessRSS(pid: u32(), tgid: u32(), cgroupId: u64(), anonBytes: u64(), fileBytes: u64(), shmemBytes: u64(), swapBytes: u64()))
        case 2:
            body = .oomKill(OOMKill(
                pid: u32(), triggerPid: u32(), cgroupId: u64(), totalVmKiB: u64(), anonRssKiB: u64(), fileRssKiB: u64(),
                shmemRssKiB: u64(), pageTablesKiB: u64(), uid: u32(), oomScoreAdj: Int32.random(in: -1000...1000, using: &generator), comm: comm()))
        case 3:
            body = .processStart(ProcessStart(
                pid: u32(), ppid: u32(), cgroupId: u64(), pidNamespaceLevel: u32(), namespacePid: u32(),
                cause: Bool.random(using: &generator) ? .fork : .exec, comm: comm()))
        case 4:
            body = .processExit(ProcessExit(
                pid: u32(), ppid: u32(), cgroupId: u64(), pidNamespaceLevel: u32(), namespacePid: u32(),
                exitCode: Int32.random(in: .min ... .max, using: &generator), comm: comm()))
        case 5:
            body = .containerInfo(ContainerInfo(
                cgroupId: u64(), runtime: [.none, .containerd, .crio, .docker, .other].randomElement(using: &generator)!,
                qosClass: [.unknown, .guaranteed, .burstable, .bestEffort].randomElement(using: &generator)!,
                specLimitBytes: optional64(), cgroupPath: string(maxLength: 300), containerId: string(maxLength: 64),
                podUid: string(maxLength: 36), podName: string(maxLength: 60), namespace: string(maxLength: 30),
                containerName: string(maxLength: 30), workload: string(maxLength: 40), podPhase: string(maxLength: 10),
                label: string(maxLength: 80)))
        case 6:
            body = .nodeSample(NodeSample(
                memTotalBytes: u64(), memAvailableBytes: u64(), swapTotalBytes: u64(), swapFreeBytes: u64(),
                pressureSomeAvg10Centipercent: optional32(), pressureFullAvg10Centipercent: optional32(),
                pressureSomeTotalMicroseconds: optional64(), pressureFullTotalMicroseconds: optional64()))
        case 7:
            body = .pageActivity(PageActivity(cgroupId: u64(), pagesAllocated: u64(), pagesFreed: u64(), intervalNanoseconds: u64()))
        default:
            body = .lossReport(LossReport(
                source: [.other, .ringBuffer, .readerQueue, .spool, .sendWindow, .sampler].randomElement(using: &generator)!,
                lostRecords: u64(), lostBytes: u64(), firstSequence: u64(), lastSequence: u64()))
        }
        return Record(timestampNs: timestamp, body: body)
    }
}
