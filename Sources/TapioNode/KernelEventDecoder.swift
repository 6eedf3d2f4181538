import CTapioBPF

/// A ring-buffer record that could not be decoded. Counted by the probe, never fatal.
public enum KernelEventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(size: Int, needed: Int)
    case unknownType(UInt32)
    case sizeMismatch(type: UInt32, declared: UInt32, actual: Int)

    public var description: String {
        switch self {
        case .truncated(let size, let needed):
            "kernel event of \(size) bytes is shorter than the \(needed) bytes its type needs (BPF object and tapio-exporter built from different ABI versions?)"
        case .unknownType(let type):
            "kernel event type \(type) is unknown to this tapio-exporter (BPF object newer than the loader?)"
        case .sizeMismatch(let type, let declared, let actual):
            "kernel event type \(type) declares \(declared) bytes but the record holds \(actual)"
        }
    }
}

/// Raw ring-buffer bytes (layouts in ebpf/tapio_abi.h) to `KernelEvent`. Pure: no I/O, so it
/// is tested on hand-made bytes without root.
public struct KernelEventDecoder: Sendable {
    public var clock: KernelClock

    public init(clock: KernelClock) {
        self.clock = clock
    }

    public func decode(_ bytes: UnsafeRawBufferPointer) throws(KernelEventDecodingError) -> KernelEvent {
        let headerSize = MemoryLayout<tapio_event_header>.size
        guard bytes.count >= headerSize else {
            throw .truncated(size: bytes.count, needed: headerSize)
        }
        let header = bytes.loadUnaligned(as: tapio_event_header.self)
        guard Int(header.size) <= bytes.count else {
            throw .sizeMismatch(type: header.type, declared: header.size, actual: bytes.count)
        }
        let time = clock.epochNanoseconds(fromBoottime: header.timestamp_ns)

        switch Int32(bitPattern: header.type) {
        case TAPIO_EVENT_PROCESS_RSS:
            let e = try load(tapio_rss_event.self, from: bytes, header: header)
            return .processRSS(ProcessRSSSample(
                timestampNs: time, pid: Int32(bitPattern: e.pid), tgid: Int32(bitPattern: e.tgid),
                cgroupID: e.cgroup_id, fileBytes: e.file_bytes, anonBytes: e.anon_bytes,
                swapBytes: e.swap_bytes, shmemBytes: e.shmem_bytes,
                isRemoteUpdate: e.flags & UInt32(TAPIO_RSS_FLAG_REMOTE) != 0, mmID: e.mm_id))

        case TAPIO_EVENT_OOM_KILL:
            var e = try load(tapio_oom_kill_event.self, from: bytes, header: header)
            return .oomKill(KernelOOMKill(
                timestampNs: time, victimPID: Int32(bitPattern: e.victim_pid),
                victimTGID: Int32(bitPattern: e.victim_tgid), victimComm: Self.string(&e.victim_comm),
                victimCgroupID: e.victim_cgroup_id, victimPIDNamespaceLevel: e.victim_pidns_level,
                victimNamespacePID: Int32(bitPattern: e.victim_ns_pid),
                totalVMKiB: e.total_vm_kb, anonRSSKiB: e.anon_rss_kb, fileRSSKiB: e.file_rss_kb,
                shmemRSSKiB: e.shmem_rss_kb, pageTablesKiB: e.pgtables_kb, uid: e.uid,
                oomScoreAdj: e.oom_score_adj, triggerPID: Int32(bitPattern: e.trigger_pid),
                triggerTGID: Int32(bitPattern: e.trigger_tgid), triggerCgroupID: e.trigger_cgroup_id))

        case TAPIO_EVENT_PROCESS_EXEC, TAPIO_EVENT_PROCESS_FORK, TAPIO_EVENT_PROCESS_EXIT:
            var e = try load(tapio_process_event.self, from: bytes, header: header)
            let kind: ProcessLifecycleEvent.Kind =
                switch Int32(bitPattern: header.type) {
                case TAPIO_EVENT_PROCESS_EXEC: .exec
                case TAPIO_EVENT_PROCESS_FORK: .fork
                default: .exit
                }
            let event = ProcessLifecycleEvent(
                kind: kind, timestampNs: time, pid: Int32(bitPattern: e.pid),
                ppid: Int32(bitPattern: e.ppid), comm: Self.string(&e.comm), cgroupID: e.cgroup_id,
                pidNamespaceLevel: e.pidns_level, namespacePID: Int32(bitPattern: e.ns_pid),
                exitCode: e.exit_code, uid: e.uid)
            return kind == .exit ? .processExit(event) : .processStart(event)

        case TAPIO_EVENT_OOM_SCORE_ADJ:
            var e = try load(tapio_oom_score_adj_event.self, from: bytes, header: header)
            return .oomScoreAdjUpdate(OOMScoreAdjUpdate(
                timestampNs: time, pid: Int32(bitPattern: e.pid), tgid: Int32(bitPattern: e.tgid),
                comm: Self.string(&e.comm), cgroupID: e.cgroup_id, oomScoreAdj: e.oom_score_adj))

        default:
            throw .unknownType(header.type)
        }
    }

    private func load<T>(
        _ type: T.Type, from bytes: UnsafeRawBufferPointer, header: tapio_event_header
    ) throws(KernelEventDecodingError) -> T {
        let needed = MemoryLayout<T>.size
        guard Int(header.size) >= needed, bytes.count >= needed else {
            throw .truncated(size: min(Int(header.size), bytes.count), needed: needed)
        }
        return bytes.loadUnaligned(as: T.self)
    }

    /// A fixed char array (imported as a tuple), NUL-terminated or full.
    static func string<Tuple>(_ chars: inout Tuple) -> String {
        withUnsafeBytes(of: &chars) { raw in
            let end = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }
}
