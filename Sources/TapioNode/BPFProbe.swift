import CLibBPF
import CTapioBPF

#if canImport(Glibc)
import Glibc
#endif

/// Tapio's eBPF programs, loaded and attached: the node's kernel-level view of memory.
///
/// ```swift
/// let probe = try BPFProbe(options: BPFProbeOptions(ringBufferBytes: 1 << 20))
/// defer { probe.close() }
/// while running {
///     for event in try probe.poll(timeoutMilliseconds: 100) { ... }
///     // about once a second:
///     let loss = try probe.readCounters().ringBufferDrops
///     let pages = try probe.readCgroupPageCounters()
/// }
/// ```
///
/// `init` opens the BPF object embedded in the binary, writes the tunables, sizes the ring
/// buffer, loads and attaches every program, in that order. `close()` (or deinit) detaches
/// and frees everything. Not thread-safe: use one probe from one thread or task at a time.
public final class BPFProbe {
    public let options: BPFProbeOptions
    /// Names of the programs loaded and attached at start (BPF function names); tapio_rss_stat
    /// may be detached between duty-cycle windows since (`rssAttached`).
    public private(set) var attachedPrograms: [String] = []

    private var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    /// kmem:rss_stat's program and link, apart from `links`: `setRSSAttached` toggles it.
    private var rssProgram: OpaquePointer?
    private var rssLink: OpaquePointer?
    private var reader: RingBufferReader?
    private var countersFD: Int32 = -1
    private var cgroupPagesFD: Int32 = -1
    private var rssMemoFD: Int32 = -1
    private let possibleCPUs: Int

    public init(options: BPFProbeOptions = BPFProbeOptions()) throws(BPFProbeError) {
        self.options = options
        let ringBytes = options.ringBufferBytes
        let pageSize = UInt32(sysconf(Int32(_SC_PAGESIZE)))
        guard ringBytes >= pageSize, ringBytes & (ringBytes - 1) == 0 else {
            throw .invalidOption("ringBufferBytes \(ringBytes) must be a power of two of at least one page (\(pageSize))")
        }
        let cpus = libbpf_num_possible_cpus()
        guard cpus > 0 else { throw .objectInvalid("cannot count possible CPUs (errno \(-cpus))") }
        possibleCPUs = Int(cpus)

        LibBPFLog.begin()
        do {
            try open()
            if !options.pageActivity { disablePageActivityPrograms() }
            try BPFPreflight(sysfsRoot: options.sysfsRoot).check(programs: programSections())
            try configure(pageSize: pageSize)
            try load()
            try attach()
            reader = try RingBufferReader(
                mapFD: try mapFD("tapio_events"), decoder: KernelEventDecoder(clock: .current()))
            countersFD = try mapFD("tapio_counters")
            cgroupPagesFD = try mapFD("tapio_cgroup_pages")
            rssMemoFD = try mapFD("tapio_rss_memo")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    // MARK: Reading

    /// Waits up to `timeoutMilliseconds` (0: don't wait) and returns every record that is
    /// ready, decoded, oldest first. Most records do not wake a waiting poll (only an OOM kill
    /// or a quarter-full ring do), so call it on a short timeout: its latency is theirs. Records that cannot be decoded are counted in
    /// `undecodableRecords`.
    public func poll(timeoutMilliseconds: Int32) throws(BPFProbeError) -> [KernelEvent] {
        guard let reader else { throw .closed }
        return try reader.poll(timeoutMilliseconds: timeoutMilliseconds, clock: .current())
    }

    /// Records that reached user space but could not be decoded (ABI mismatch), since load.
    public var undecodableRecords: UInt64 { reader?.undecodable ?? 0 }

    /// The in-kernel counters, summed over CPUs; `ringBufferDrops` is the event loss.
    public func readCounters() throws(BPFProbeError) -> BPFProbeCounters {
        guard object != nil else { throw .closed }
        var sums = [UInt64](repeating: 0, count: Int(TAPIO_COUNTER_COUNT))
        var perCPU = [UInt64](repeating: 0, count: possibleCPUs)
        for index in 0..<sums.count {
            var key = UInt32(index)
            if bpf_map_lookup_elem(countersFD, &key, &perCPU) != 0 {
                throw .mapReadFailed(map: "tapio_counters", errno: errno)
            }
            sums[index] = perCPU.reduce(0, &+)
        }
        return BPFProbeCounters(
            ringBufferDrops: sums[Int(TAPIO_COUNTER_RINGBUF_DROPS)],
            rssUnattributed: sums[Int(TAPIO_COUNTER_RSS_UNATTRIBUTED)],
            rssUpdates: try readRSSUpdates(),
            rssFullPasses: sums[Int(TAPIO_COUNTER_RSS_FULL)],
            rssRecords: sums[Int(TAPIO_COUNTER_RSS_EMITTED)])
    }

    /// kmem:rss_stat hits, summed over CPUs: the fast path counts them in its per-CPU memo.
    private func readRSSUpdates() throws(BPFProbeError) -> UInt64 {
        var key: UInt32 = 0
        var perCPU = [tapio_rss_memo](repeating: tapio_rss_memo(), count: possibleCPUs)
        if bpf_map_lookup_elem(rssMemoFD, &key, &perCPU) != 0 {
            throw .mapReadFailed(map: "tapio_rss_memo", errno: errno)
        }
        return perCPU.reduce(0) { $0 &+ $1.updates }
    }

    /// Page allocations/frees per memory cgroup id, summed over CPUs, since load.
    public func readCgroupPageCounters() throws(BPFProbeError) -> [UInt64: CgroupPageCounters] {
        guard object != nil else { throw .closed }
        var result: [UInt64: CgroupPageCounters] = [:]
        var perCPU = [tapio_page_counters](repeating: tapio_page_counters(), count: possibleCPUs)
        var key: UInt64 = 0
        var next: UInt64 = 0
        var first = true
        while true {
            let status = first
                ? bpf_map_get_next_key(cgroupPagesFD, nil, &next)
                : bpf_map_get_next_key(cgroupPagesFD, &key, &next)
            if status != 0 {
                if errno == ENOENT { break }
                throw .mapReadFailed(map: "tapio_cgroup_pages", errno: errno)
            }
            first = false
            key = next
            if bpf_map_lookup_elem(cgroupPagesFD, &key, &perCPU) != 0 {
                if errno == ENOENT { continue } // evicted between the two calls
                throw .mapReadFailed(map: "tapio_cgroup_pages", errno: errno)
            }
            var total = CgroupPageCounters(allocatedPages: 0, freedPages: 0)
            for value in perCPU {
                total.allocatedPages &+= value.alloc_pages
                total.freedPages &+= value.free_pages
            }
            result[key] = total
        }
        return result
    }

    // MARK: The rss_stat duty cycle

    /// The name of the kmem:rss_stat program (see `RSSDutyCycle`).
    static let rssProgramName = "tapio_rss_stat"

    /// Whether the kmem:rss_stat program is attached now (it is after `init`).
    public var rssAttached: Bool { rssLink != nil }

    /// How many times the kmem:rss_stat program was attached since load (`init` counts one).
    public private(set) var rssAttachments = 0

    /// Attaches or detaches the kmem:rss_stat program; its maps and state stay loaded, so a
    /// process's next update after a gap is compared with what was last emitted for it.
    public func setRSSAttached(_ attached: Bool) throws(BPFProbeError) {
        guard object != nil, let rssProgram else { throw .closed }
        guard attached != rssAttached else { return }
        if attached {
            guard let link = bpf_program__attach(rssProgram) else {
                throw .attachFailed(program: Self.rssProgramName, errno: errno, message: LibBPFLog.tail(4))
            }
            rssLink = link
            rssAttachments += 1
        } else {
            bpf_link__destroy(rssLink)
            rssLink = nil
        }
    }

    /// Detaches every program and frees the object. Safe to call more than once.
    public func close() {
        reader?.close()
        reader = nil
        for link in links {
            bpf_link__destroy(link)
        }
        links.removeAll()
        if let rssLink { bpf_link__destroy(rssLink) }
        rssLink = nil
        rssProgram = nil
        attachedPrograms.removeAll()
        if let object {
            bpf_object__close(object)
            self.object = nil
        }
        countersFD = -1
        cgroupPagesFD = -1
        rssMemoFD = -1
    }

    // MARK: Loading

    private func open() throws(BPFProbeError) {
        var size = 0
        guard let bytes = tapio_bpf_object(&size), size > 0 else {
            throw .objectInvalid("no BPF object embedded")
        }
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let opened: OpaquePointer? = "oom_detector".withCString { name in
            opts.object_name = name
            return bpf_object__open_mem(bytes, size, &opts)
        }
        guard let opened else {
            throw .objectInvalid("bpf_object__open_mem failed (errno \(errno)): \(LibBPFLog.tail())")
        }
        object = opened
    }

    /// Programs that only run when `pageActivity` is on.
    static let pageActivityPrograms: Set<String> = ["tapio_page_alloc", "tapio_page_free"]

    private func programSections() -> [(program: String, section: String)] {
        var result: [(String, String)] = []
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            if bpf_program__autoload(current) {
                result.append((String(cString: bpf_program__name(current)),
                               String(cString: bpf_program__section_name(current))))
            }
            program = bpf_object__next_program(object, current)
        }
        return result
    }

    private func disablePageActivityPrograms() {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            if Self.pageActivityPrograms.contains(String(cString: bpf_program__name(current))) {
                bpf_program__set_autoload(current, false)
            }
            program = bpf_object__next_program(object, current)
        }
    }

    private func configure(pageSize: UInt32) throws(BPFProbeError) {
        guard let rodata = bpf_object__find_map_by_name(object, ".rodata.tapio") else {
            throw .objectInvalid("no .rodata.tapio map (tapio_config)")
        }
        var config = tapio_config()
        config.rss_threshold_bytes = options.rssThresholdBytes
        config.rss_min_interval_ns = options.rssMinIntervalNs
        config.page_shift = UInt32(pageSize.trailingZeroBitCount)
        // Records wake the reader only once a quarter of the ring is unread (kills at once);
        // `poll` drains the rest on its timeout.
        config.wakeup_bytes = options.ringBufferBytes / 4
        let status = bpf_map__set_initial_value(rodata, &config, MemoryLayout<tapio_config>.size)
        if status != 0 {
            throw .objectInvalid("cannot set tapio_config (errno \(-status)): sizes of tapio_config differ between the object and this build")
        }
        guard let ring = bpf_object__find_map_by_name(object, "tapio_events") else {
            throw .objectInvalid("no tapio_events ring buffer")
        }
        let ringStatus = bpf_map__set_max_entries(ring, options.ringBufferBytes)
        if ringStatus != 0 {
            throw .invalidOption("ring buffer size \(options.ringBufferBytes) refused (errno \(-ringStatus))")
        }
    }

    private func load() throws(BPFProbeError) {
        let status = bpf_object__load(object)
        guard status != 0 else { return }
        let code = -status
        if code == EPERM || code == EACCES {
            // Capabilities looked right but the kernel still said no (lockdown, LSM, userns).
            throw .loadFailed(errno: code, message: "permission denied by the kernel (root or CAP_BPF+CAP_PERFMON needed; check lockdown/LSM and kernel.unprivileged_bpf_disabled): \(LibBPFLog.tail())")
        }
        throw .loadFailed(errno: code, message: LibBPFLog.tail())
    }

    private func attach() throws(BPFProbeError) {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            guard bpf_program__autoload(current) else {
                program = bpf_object__next_program(object, current)
                continue
            }
            guard let link = bpf_program__attach(current) else {
                let code = errno
                let section = String(cString: bpf_program__section_name(current))
                if code == ENOENT, let (category, event) = BPFPreflight.tracepoint(section: section) {
                    throw .tracepointMissing(category: category, name: event, program: name)
                }
                throw .attachFailed(program: name, errno: code, message: LibBPFLog.tail(4))
            }
            if name == Self.rssProgramName {
                rssProgram = current
                rssLink = link
                rssAttachments += 1
            } else {
                links.append(link)
            }
            attachedPrograms.append(name)
            program = bpf_object__next_program(object, current)
        }
    }

    private func mapFD(_ name: String) throws(BPFProbeError) -> Int32 {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw .objectInvalid("no map \(name)")
        }
        let fd = bpf_map__fd(map)
        guard fd >= 0 else { throw .objectInvalid("map \(name) has no file descriptor") }
        return fd
    }
}
