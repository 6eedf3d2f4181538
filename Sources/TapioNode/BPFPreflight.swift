#if canImport(Glibc)
import Glibc
#endif

/// Checks, before touching libbpf, what the kernel and the process must provide, so a
/// missing piece is reported as a clear `BPFProbeError` instead of a bare errno.
struct BPFPreflight {
    var sysfsRoot: String

    /// Tracepoint `category:name` pairs, from the programs' section names
    /// ("tp/kmem/rss_stat", "tp_btf/mark_victim", ...).
    func check(programs: [(program: String, section: String)]) throws(BPFProbeError) {
        try checkPrivileges()
        let btf = sysfsRoot + "/kernel/btf/vmlinux"
        guard access(btf, R_OK) == 0 else { throw .btfMissing(path: btf) }
        let tracing = try tracefsEvents()
        for (program, section) in programs {
            guard let (category, name) = Self.tracepoint(section: section) else { continue }
            if access("\(tracing)/\(category)/\(name)", F_OK) != 0 {
                throw .tracepointMissing(category: category, name: name, program: program)
            }
        }
    }

    /// Root (CAP_SYS_ADMIN) or CAP_BPF + CAP_PERFMON in the effective set.
    func checkPrivileges() throws(BPFProbeError) {
        let capSysAdmin = 21, capPerfmon = 38, capBPF = 39
        let effective = Self.effectiveCapabilities() ?? (geteuid() == 0 ? ~0 : 0)
        func has(_ bit: Int) -> Bool { effective & (1 << UInt64(bit)) != 0 }
        if has(capSysAdmin) { return }
        var missing: [String] = []
        if !has(capBPF) { missing.append("CAP_BPF") }
        if !has(capPerfmon) { missing.append("CAP_PERFMON") }
        if !missing.isEmpty { throw .notPrivileged(missing: missing.joined(separator: ", ")) }
    }

    /// The events directory of a mounted tracefs.
    func tracefsEvents() throws(BPFProbeError) -> String {
        let candidates = [sysfsRoot + "/kernel/tracing", sysfsRoot + "/kernel/debug/tracing"]
        for dir in candidates where access(dir + "/events", F_OK) == 0 {
            return dir + "/events"
        }
        throw .tracefsNotMounted(path: candidates[0])
    }

    /// "tp/kmem/rss_stat" → ("kmem", "rss_stat"); "tp_btf/mark_victim" → ("oom", "mark_victim").
    static func tracepoint(section: String) -> (String, String)? {
        let parts = section.split(separator: "/").map(String.init)
        switch parts.first {
        case "tp", "tracepoint":
            return parts.count == 3 ? (parts[1], parts[2]) : nil
        case "tp_btf", "raw_tp", "raw_tracepoint":
            guard parts.count == 2 else { return nil }
            return (btfTracepointCategories[parts[1]] ?? "*", parts[1])
        default:
            return nil
        }
    }

    /// tp_btf sections name only the event; tracefs files it under its category.
    static let btfTracepointCategories: [String: String] = [
        "mm_page_alloc": "kmem", "mm_page_free": "kmem", "rss_stat": "kmem",
        "mark_victim": "oom", "oom_score_adj_update": "oom",
        "sched_process_exec": "sched", "sched_process_fork": "sched", "sched_process_exit": "sched",
    ]

    /// CapEff from /proc/self/status.
    static func effectiveCapabilities() -> UInt64? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("CapEff:") {
                let hex = text.dropFirst("CapEff:".count).trimmingCharacters(in: " \t\n")
                return UInt64(hex, radix: 16)
            }
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let c = s.first, chars.contains(c) { s = s.dropFirst() }
        while let c = s.last, chars.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
