#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the memory state of container cgroups, cgroup v1 or v2, about once a second.
///
/// Per cgroup and round: one open of the directory (its inode is the cgroup id), then one
/// openat+read+close per control file into a reused buffer, parsed without per-line
/// allocation. Ancestor limits (for the effective limit) are cached for `ancestorLimitTTL`,
/// so the pod and QoS-tier cgroups shared by many containers are read rarely; a container's
/// own limit is read every round.
///
/// Failures are per cgroup: a vanished, missing or malformed file gives a `CgroupReadError`
/// for that cgroup in the round, and sampling continues with the next one.
///
/// A value type: keep it in the task or actor that samples (`sample` is `mutating` because
/// of the read buffer and the cache).
public struct CgroupSampler: Sendable {
    /// Which cgroups a round samples.
    public enum Selection: Sendable, Equatable {
        /// This cgroup and every cgroup below it (that has the memory controller), at most
        /// `maxDepth` levels down (nil: unlimited). "/kubepods.slice", "/kubepods", "/".
        case subtree(String, maxDepth: Int?)
        /// Exactly these cgroup paths.
        case paths([String])
    }

    public let hierarchy: CgroupHierarchy
    public var selection: Selection
    /// How long an ancestor's limit is trusted before it is read again.
    public var ancestorLimitTTL: Duration

    private var reader = KernelFileReader()
    private var ancestorLimits: [String: CachedLimit] = [:]

    private struct CachedLimit: Sendable {
        var limit: UInt64?
        var expires: ContinuousClock.Instant
    }

    public init(
        hierarchy: CgroupHierarchy,
        selection: Selection = .subtree("/", maxDepth: nil),
        ancestorLimitTTL: Duration = .seconds(10)
    ) {
        self.hierarchy = hierarchy
        self.selection = selection
        self.ancestorLimitTTL = ancestorLimitTTL
    }

    /// Detects v1/v2 below `cgroupRoot` (see `CgroupHierarchy.detect`).
    public init(
        cgroupRoot: String = "/sys/fs/cgroup",
        selection: Selection = .subtree("/", maxDepth: nil),
        ancestorLimitTTL: Duration = .seconds(10)
    ) throws(CgroupHierarchy.DetectionError) {
        self.init(
            hierarchy: try CgroupHierarchy.detect(cgroupRoot: cgroupRoot),
            selection: selection, ancestorLimitTTL: ancestorLimitTTL)
    }

    // MARK: - Rounds

    /// Lists the selected cgroups and samples each of them.
    public mutating func sample() -> CgroupSamplingRound {
        sample(paths: listCgroups())
    }

    /// Samples the given cgroups; errors are collected per cgroup.
    public mutating func sample(paths: [String]) -> CgroupSamplingRound {
        let timestamp = Self.wallClockNanoseconds()
        let now = ContinuousClock.now
        var samples: [CgroupMemorySample] = []
        var errors: [CgroupReadError] = []
        samples.reserveCapacity(paths.count)
        for path in paths {
            do throws(CgroupReadError) {
                samples.append(try sample(path: path, now: now))
            } catch {
                errors.append(error)
            }
        }
        ancestorLimits = ancestorLimits.filter { $0.value.expires > now }
        return CgroupSamplingRound(timestampNanoseconds: timestamp, samples: samples, errors: errors)
    }

    /// Samples one cgroup.
    public mutating func sample(path: String) throws(CgroupReadError) -> CgroupMemorySample {
        try sample(path: path, now: ContinuousClock.now)
    }

    /// The cgroup paths the selection names right now (for `.subtree`, a directory walk
    /// that keeps only directories with the memory controller's usage file).
    public func listCgroups() -> [String] {
        switch selection {
        case .paths(let paths):
            return paths.map(CgroupHierarchy.normalized)
        case .subtree(let top, let maxDepth):
            var result: [String] = []
            walk(CgroupHierarchy.normalized(top), depth: 0, maxDepth: maxDepth, into: &result)
            return result
        }
    }

    // MARK: - One cgroup

    private var usageFile: String {
        hierarchy.version == .v2 ? "memory.current" : "memory.usage_in_bytes"
    }

    private var limitFile: String {
        hierarchy.version == .v2 ? "memory.max" : "memory.limit_in_bytes"
    }

    private mutating func sample(path rawPath: String, now: ContinuousClock.Instant) throws(CgroupReadError) -> CgroupMemorySample {
        let path = CgroupHierarchy.normalized(rawPath)
        let directory = hierarchy.directory(for: path)
        let fd: Int32
        switch KernelFileReader.openDirectory(directory) {
        case .success(let value): fd = value
        case .failure(let problem):
            throw CgroupReadError(cgroupPath: path, filePath: directory, problem: problem == .missing ? .noSuchCgroup : problem)
        }
        defer { close(fd) }
        let cgroupId: UInt64
        switch KernelFileReader.inode(of: fd) {
        case .success(let value): cgroupId = value
        case .failure(let problem): throw CgroupReadError(cgroupPath: path, filePath: directory, problem: problem)
        }
        let location = Location(fd: fd, cgroupPath: path, directory: directory)
        var sample: CgroupMemorySample
        switch hierarchy.version {
        case .v2:
            sample = try readV2(location, cgroupId: cgroupId)
            sample.effectiveLimitBytes = try effectiveLimit(of: path, own: sample.limitBytes, now: now)
        case .v1:
            let (v1Sample, hierarchicalLimitKnown) = try readV1(location, cgroupId: cgroupId)
            sample = v1Sample
            if !hierarchicalLimitKnown {
                sample.effectiveLimitBytes = try effectiveLimit(of: path, own: sample.limitBytes, now: now)
            }
        }
        return sample
    }

    /// An open cgroup directory being sampled.
    private struct Location {
        var fd: Int32
        var cgroupPath: String
        var directory: String
    }

    private static let v2Stat = KernelFileKeyTable([
        "anon", "file", "inactive_file", "active_file", "shmem",  // 0-4
        "kernel", "kernel_stack", "pagetables", "percpu", "sock", "vmalloc", "slab",  // 5-11
        "pgscan", "pgsteal", "pgmajfault",  // 12-14
        "workingset_refault_anon", "workingset_refault_file", "workingset_refault",  // 15-17
    ])
    private static let v2Events = KernelFileKeyTable(["max", "oom", "oom_kill"])

    private mutating func readV2(_ at: Location, cgroupId: UInt64) throws(CgroupReadError) -> CgroupMemorySample {
        let usage = try required("memory.current", at, KernelFileParser.parseUnsigned)
        let limit = try required("memory.max", at, KernelFileParser.parseLimit)
        let stat = try required("memory.stat", at) { (bytes) throws(KernelFileProblem) in
            try KernelFileParser.parseKeyed(bytes, table: Self.v2Stat)
        }
        let events = try required("memory.events", at) { (bytes) throws(KernelFileProblem) in
            try KernelFileParser.parseKeyed(bytes, table: Self.v2Events)
        }
        let pressure = try optional("memory.pressure", at, KernelFileParser.parsePressure)
        let swap = try optional("memory.swap.current", at, KernelFileParser.parseUnsigned)

        let statFields = try fields(stat, Self.v2Stat, [0, 1, 2, 3, 4], file: "memory.stat", at)
        let eventFields = try fields(events, Self.v2Events, [0, 1, 2], file: "memory.events", at)
        // "kernel" exists since Linux 5.18; before that, add up its parts.
        let kernel = stat[5] ?? Self.sum([stat[6], stat[7], stat[8], stat[9], stat[10], stat[11]])
        return CgroupMemorySample(
            cgroupId: cgroupId, cgroupPath: at.cgroupPath, version: .v2,
            usageBytes: usage, limitBytes: limit, effectiveLimitBytes: nil,
            anonBytes: statFields[0], fileBytes: statFields[1],
            inactiveFileBytes: statFields[2], activeFileBytes: statFields[3], shmemBytes: statFields[4],
            kernelBytes: kernel, swapBytes: swap,
            oomEvents: eventFields[1], oomKillEvents: eventFields[2], underOOM: nil,
            limitHitCount: eventFields[0],
            pgscan: stat[12], pgsteal: stat[13], pgmajfault: stat[14],
            workingsetRefault: stat[17] ?? Self.sum([stat[15], stat[16]]),
            pressure: pressure)
    }

    /// v1 memory.stat: hierarchical `total_` fields first (indices 0-9), the local ones as a
    /// fallback (10-19, same order), then hierarchical_memory_limit (20).
    private static let v1Stat = KernelFileKeyTable(
        ["total_rss", "total_cache", "total_inactive_file", "total_active_file", "total_shmem",
         "total_swap", "total_pgmajfault", "total_workingset_refault_anon",
         "total_workingset_refault_file", "total_workingset_refault",
         "rss", "cache", "inactive_file", "active_file", "shmem",
         "swap", "pgmajfault", "workingset_refault_anon",
         "workingset_refault_file", "workingset_refault",
         "hierarchical_memory_limit"])
    private static let v1OOMControl = KernelFileKeyTable(["under_oom", "oom_kill"])

    /// Returns the sample and whether hierarchical_memory_limit supplied the effective limit.
    private mutating func readV1(_ at: Location, cgroupId: UInt64) throws(CgroupReadError) -> (CgroupMemorySample, Bool) {
        let usage = try required("memory.usage_in_bytes", at, KernelFileParser.parseUnsigned)
        let limit = try required("memory.limit_in_bytes", at, KernelFileParser.parseLimit)
        let stat = try required("memory.stat", at) { (bytes) throws(KernelFileProblem) in
            try KernelFileParser.parseKeyed(bytes, table: Self.v1Stat)
        }
        let oomControl = try required("memory.oom_control", at) { (bytes) throws(KernelFileProblem) in
            try KernelFileParser.parseKeyed(bytes, table: Self.v1OOMControl)
        }
        let failcnt = try required("memory.failcnt", at, KernelFileParser.parseUnsigned)
        let memsw = try optional("memory.memsw.usage_in_bytes", at, KernelFileParser.parseUnsigned)
        let kmem = try optional("memory.kmem.usage_in_bytes", at, KernelFileParser.parseUnsigned)

        // Hierarchical value, else the local one (kernels without total_ lines).
        func pick(_ index: Int) -> UInt64? { stat[index] ?? stat[index + 10] }
        var merged = Self.v1Stat.emptyValues()
        for index in 0..<10 { merged.values[index] = pick(index) }
        let statFields = try fields(merged, Self.v1Stat, [0, 1, 2, 3, 4], file: "memory.stat", at)
        guard let underOOM = oomControl[0] else {
            throw failure(.missingField("under_oom"), "memory.oom_control", at)
        }
        // memsw counts memory+swap; both files are read a moment apart, so clamp at zero.
        let swap = memsw.map { $0 > usage ? $0 - usage : 0 } ?? merged[5]
        let hierarchicalLimit = stat[20]
        let sample = CgroupMemorySample(
            cgroupId: cgroupId, cgroupPath: at.cgroupPath, version: .v1,
            usageBytes: usage, limitBytes: limit,
            effectiveLimitBytes: hierarchicalLimit.flatMap(KernelFileParser.limitValue),
            anonBytes: statFields[0], fileBytes: statFields[1],
            inactiveFileBytes: statFields[2], activeFileBytes: statFields[3], shmemBytes: statFields[4],
            kernelBytes: kmem, swapBytes: swap,
            oomEvents: nil, oomKillEvents: oomControl[1], underOOM: underOOM != 0,
            limitHitCount: failcnt,
            pgscan: nil, pgsteal: nil, pgmajfault: merged[6],
            workingsetRefault: merged[9] ?? Self.sum([merged[7], merged[8]]),
            pressure: nil)
        return (sample, hierarchicalLimit != nil)
    }

    private mutating func required<Value>(
        _ name: String, _ at: Location,
        _ parse: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(CgroupReadError) -> Value {
        do throws(KernelFileProblem) {
            return try reader.read(directory: at.fd, name: name, parse)
        } catch {
            throw failure(error, name, at)
        }
    }

    private mutating func optional<Value>(
        _ name: String, _ at: Location,
        _ parse: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(CgroupReadError) -> Value? {
        do throws(KernelFileProblem) {
            return try reader.readOptional(directory: at.fd, name: name, parse)
        } catch {
            throw failure(error, name, at)
        }
    }

    /// The required fields `indices` of a parsed file, or a missingField error.
    private func fields(
        _ values: KernelFileKeyTable.Values, _ table: KernelFileKeyTable, _ indices: [Int],
        file: String, _ at: Location
    ) throws(CgroupReadError) -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(indices.count)
        for index in indices {
            guard let value = values[index] else {
                throw failure(.missingField(table.name(index)), file, at)
            }
            result.append(value)
        }
        return result
    }

    /// A missing file in a directory that is itself gone means the cgroup vanished.
    private func failure(_ problem: KernelFileProblem, _ name: String, _ at: Location) -> CgroupReadError {
        var problem = problem
        if problem == .missing, access(at.directory, F_OK) != 0 { problem = .vanished }
        return CgroupReadError(cgroupPath: at.cgroupPath, filePath: at.directory + "/" + name, problem: problem)
    }

    private static func sum(_ parts: [UInt64?]) -> UInt64? {
        var total: UInt64?
        for case let part? in parts { total = (total ?? 0) &+ part }
        return total
    }

    /// min(own limit, every ancestor's limit up to the hierarchy root), ancestors cached.
    private mutating func effectiveLimit(of path: String, own: UInt64?, now: ContinuousClock.Instant) throws(CgroupReadError) -> UInt64? {
        var result = own
        var current = CgroupHierarchy.parent(of: path)
        while let ancestor = current {
            let limit: UInt64?
            if let cached = ancestorLimits[ancestor], cached.expires > now {
                limit = cached.limit
            } else {
                let file = hierarchy.directory(for: ancestor) + "/" + limitFile
                do throws(KernelFileProblem) {
                    // The v2 root has no memory.max; a level without the memory controller
                    // enabled neither: both impose no limit.
                    limit = try reader.readOptional(directory: AT_FDCWD, name: file, KernelFileParser.parseLimit) ?? nil
                } catch {
                    throw CgroupReadError(cgroupPath: path, filePath: file, problem: error)
                }
                ancestorLimits[ancestor] = CachedLimit(limit: limit, expires: now + ancestorLimitTTL)
            }
            if let limit { result = min(result ?? limit, limit) }
            current = CgroupHierarchy.parent(of: ancestor)
        }
        return result
    }

    // MARK: - Listing

    private func walk(_ path: String, depth: Int, maxDepth: Int?, into result: inout [String]) {
        let directory = hierarchy.directory(for: path)
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        if faccessat(dirfd(handle), usageFile, F_OK, 0) == 0 {
            result.append(path)
        }
        if let maxDepth, depth >= maxDepth { return }
        var children: [String] = []
        while let entry = readdir(handle) {
            let type = entry.pointee.d_type
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            var isDirectory = type == UInt8(DT_DIR)
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                isDirectory = fstatat(dirfd(handle), name, &info, AT_SYMLINK_NOFOLLOW) == 0
                    && (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isDirectory { children.append(name) }
        }
        for child in children.sorted() {
            walk(path == "/" ? "/" + child : path + "/" + child, depth: depth + 1, maxDepth: maxDepth, into: &result)
        }
    }

    static func wallClockNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
