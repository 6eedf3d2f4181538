#if canImport(Glibc)
import Glibc
#endif
import TapioWire

/// Everything a node reports, as wire records: kernel events from the BPF probe as they come,
/// and about once a second the cgroup samples, page activity, the node's memory and any loss.
/// One thread drives it (`run`), since the probe's poll blocks.
public final class NodeSensor {
    public let options: NodeSensorOptions
    private let probe: BPFProbe?
    private var sampler: CgroupSampler
    private var nodeReader: NodeMemoryReader
    private var commands: ProcessCommandReader
    private let resolver = ContainerResolver()
    private let podIndex: @Sendable () -> KubeletPodIndex?
    private let log: (String) -> Void

    private var announced: [UInt64: (identity: ContainerIdentity, atNs: UInt64)] = [:]
    private var lastPages: [UInt64: CgroupPageCounters] = [:]
    private var lastRingDrops: UInt64 = 0
    private var lastSampleNs: UInt64 = 0
    private var reportedErrors: Set<String> = []
    /// nil when every cgroup is watched ("/"); else the ids kernel records are filtered by.
    private var scope: CgroupScope?

    /// Opens the cgroup hierarchy and loads the BPF programs (unless `withoutBPF`). Throws
    /// the loader's or the detector's one-line error.
    public init(options: NodeSensorOptions, podIndex: @escaping @Sendable () -> KubeletPodIndex? = { nil }, log: @escaping (String) -> Void) throws {
        self.options = options
        self.podIndex = podIndex
        self.log = log
        let hierarchy = try CgroupHierarchy.detect(cgroupRoot: options.cgroupRoot)
        let selection: CgroupSampler.Selection = options.cgroupSubtrees.count == 1
            ? .subtree(options.cgroupSubtrees[0], maxDepth: nil) : .paths([])
        sampler = CgroupSampler(hierarchy: hierarchy, selection: selection)
        nodeReader = NodeMemoryReader(procRoot: options.procRoot)
        commands = ProcessCommandReader(procRoot: options.procRoot)
        probe = options.withoutBPF ? nil : try BPFProbe(options: options.probe)
        if options.cgroupSubtrees.contains(where: { CgroupHierarchy.normalized($0) != "/" }) {
            var scope = CgroupScope()
            scope.update(watchedCgroupIds())
            self.scope = scope
        }
    }

    public var cgroupVersion: CgroupVersion { sampler.hierarchy.version }
    public var attachedPrograms: [String] { probe?.attachedPrograms ?? [] }
    /// How many times the rss_stat program was attached (one per duty-cycle window).
    public var rssAttachments: Int { probe?.rssAttachments ?? 0 }

    /// Polls and samples until `shouldStop` says so, handing each group of records to `emit`.
    public func run(shouldStop: () -> Bool, emit: ([Record]) -> Void) {
        while !shouldStop() {
            var records: [Record] = []
            if let probe {
                let timeout = followRSSDutyCycle(probe)
                do {
                    records = scoped(try probe.poll(timeoutMilliseconds: timeout).compactMap(WireRecordMapping.record))
                } catch {
                    log("BPF ring buffer poll failed: \(error)")
                    usleep(100_000)
                }
            } else {
                usleep(100_000)
            }
            let now = Self.wallClockNs()
            if now &- lastSampleNs >= options.sampleIntervalNs {
                records += sampleRound(nowNs: now)
                lastSampleNs = now
            }
            if !records.isEmpty { emit(records) }
        }
        probe?.close()
    }

    /// Attaches or detaches the rss_stat program as the duty cycle says now; returns how long
    /// the next poll may wait (at most 100 ms), so it wakes when the duty cycle next changes.
    private func followRSSDutyCycle(_ probe: BPFProbe) -> Int32 {
        let cycle = options.rssDutyCycle
        let now = Self.monotonicNs()
        let open = cycle.isOpen(atNs: now)
        if open != probe.rssAttached {
            do {
                try probe.setRSSAttached(open)
            } catch {
                if reportedErrors.insert("\(error)").inserted { log("rss_stat \(open ? "attach" : "detach") failed: \(error)") }
            }
        }
        guard let untilChange = cycle.nanosecondsUntilChange(atNs: now) else { return 100 }
        return Int32(min(100, max(1, (untilChange + 999_999) / 1_000_000)))
    }

    /// One round of the periodic readings.
    public func sampleRound(nowNs: UInt64) -> [Record] {
        var records: [Record] = []
        let round = sampler.sample(paths: watchedPaths())
        for sample in round.samples {
            records.append(WireRecordMapping.record(sample, timestampNs: round.timestampNanoseconds))
            if let info = containerInfoIfDue(sample, nowNs: nowNs) { records.append(info) }
        }
        var failed = 0
        for error in round.errors where !error.isVanished {
            failed += 1
            // One line per distinct problem, not one per second.
            if reportedErrors.insert(error.description).inserted { log("cgroup sample skipped: \(error)") }
        }
        if failed > 0 {
            records.append(Record(timestampNs: nowNs, body: .lossReport(LossReport(source: .sampler, lostRecords: UInt64(failed)))))
        }
        do {
            records.append(WireRecordMapping.record(try nodeReader.read(), timestampNs: nowNs))
        } catch {
            if reportedErrors.insert("\(error)").inserted { log("node memory not read: \(error)") }
        }
        if let probe { records += kernelCounters(probe, nowNs: nowNs) }
        let live = Set(round.samples.map(\.cgroupId))
        announced = announced.filter { live.contains($0.key) }
        scope?.update(live)
        return scoped(records)
    }

    /// Drops kernel records about cgroups outside the watched subtrees (see `CgroupScope`).
    private func scoped(_ records: [Record]) -> [Record] {
        guard var scope else { return records }
        var (kept, unknownKill) = scope.filter(records)
        if unknownKill {
            // A kill in a cgroup born since the last round: list again before deciding.
            scope.update(watchedCgroupIds())
            self.scope = scope
            kept = scope.filter(records).kept
        }
        return kept
    }

    private func watchedPaths() -> [String] {
        options.cgroupSubtrees.count == 1 ? sampler.listCgroups() : subtreesList()
    }

    /// Ids (directory inodes) of the watched cgroups as they are now.
    private func watchedCgroupIds() -> Set<UInt64> {
        var ids = Set<UInt64>()
        for path in watchedPaths() {
            var status = stat()
            if stat(sampler.hierarchy.directory(for: path), &status) == 0 { ids.insert(UInt64(status.st_ino)) }
        }
        return ids
    }

    private func subtreesList() -> [String] {
        var all: [String] = []
        for subtree in options.cgroupSubtrees {
            var walker = sampler
            walker.selection = .subtree(subtree, maxDepth: nil)
            all += walker.listCgroups()
        }
        return Array(Set(all)).sorted()
    }

    private func containerInfoIfDue(_ sample: CgroupMemorySample, nowNs: UInt64) -> Record? {
        let previous = announced[sample.cgroupId]
        if let previous, nowNs &- previous.atNs < options.containerInfoRefreshNs, previous.identity.cgroupPath == sample.cgroupPath,
            podIndex() == nil || previous.identity.podName != nil || !previous.identity.isKubernetes
        {
            return nil
        }
        let directory = sampler.hierarchy.directory(for: sample.cgroupPath)
        var identity = resolver.resolve(cgroupPath: sample.cgroupPath, mainCommand: commands.mainCommand(cgroupDirectory: directory))
        if let index = podIndex() { identity = index.enrich(identity) }
        if let previous, previous.identity == identity, nowNs &- previous.atNs < options.containerInfoRefreshNs { return nil }
        announced[sample.cgroupId] = (identity, nowNs)
        return WireRecordMapping.record(identity, cgroupId: sample.cgroupId, timestampNs: nowNs)
    }

    private func kernelCounters(_ probe: BPFProbe, nowNs: UInt64) -> [Record] {
        var records: [Record] = []
        do {
            let counters = try probe.readCounters()
            if counters.ringBufferDrops > lastRingDrops {
                records.append(Record(timestampNs: nowNs, body: .lossReport(LossReport(
                    source: .ringBuffer, lostRecords: counters.ringBufferDrops - lastRingDrops))))
                lastRingDrops = counters.ringBufferDrops
            }
            let pages = try probe.readCgroupPageCounters()
            for (cgroupId, now) in pages {
                let before = lastPages[cgroupId] ?? CgroupPageCounters(allocatedPages: 0, freedPages: 0)
                let delta = CgroupPageCounters(
                    allocatedPages: now.allocatedPages &- before.allocatedPages, freedPages: now.freedPages &- before.freedPages)
                if delta.allocatedPages > 0 || delta.freedPages > 0 {
                    records.append(WireRecordMapping.record(cgroupId: cgroupId, pages: delta, intervalNs: options.sampleIntervalNs, timestampNs: nowNs))
                }
            }
            lastPages = pages
        } catch {
            if reportedErrors.insert("\(error)").inserted { log("kernel counters not read: \(error)") }
        }
        return records
    }

    static func monotonicNs() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }
    static func wallClockNs() -> UInt64 { nanoseconds(CLOCK_REALTIME) }

    private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
