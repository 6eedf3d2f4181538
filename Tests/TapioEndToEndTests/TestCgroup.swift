import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A memory cgroup (v1) created under this test process's own memory cgroup, with a limit,
/// removed again afterwards. Never touches any other cgroup.
final class TestCgroup {
    let path: String
    /// Relative to the memory hierarchy root, as the exporter reports it.
    let relativePath: String

    static func ownMemoryCgroup() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2)
            if parts.count == 3, parts[1].split(separator: ",").contains("memory") { return String(parts[2]) }
        }
        return nil
    }

    /// Skips (with the reason) when not root or without a v1 memory hierarchy.
    init(name: String, limitBytes: UInt64) throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root to create memory cgroups") }
        guard let own = Self.ownMemoryCgroup(), FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.usage_in_bytes") else {
            throw XCTSkip("needs a cgroup v1 memory hierarchy at /sys/fs/cgroup/memory")
        }
        relativePath = (own == "/" ? "" : own) + "/\(name)-\(getpid())"
        path = "/sys/fs/cgroup/memory" + relativePath
        guard mkdir(path, 0o755) == 0 else { throw XCTSkip("cannot create \(path): \(String(cString: strerror(errno)))") }
        try "\(limitBytes)".write(toFile: path + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
    }

    /// The shell words that run `command` inside this cgroup from its first instruction.
    func wrap(_ command: [String]) -> [String] {
        ["-c", "echo $$ > \(path)/cgroup.procs && exec \"$@\"", "sh"] + command
    }

    var oomKills: Int {
        let text = (try? String(contentsOfFile: path + "/memory.oom_control", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("oom_kill ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }

    /// Kills whatever still runs inside (only our own workload can be there) and removes it.
    func remove() {
        for _ in 0..<50 {
            let procs = (try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? ""
            let pids = procs.split(separator: "\n").compactMap { Int32($0) }
            if pids.isEmpty { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(100_000)
        }
        rmdir(path)
    }
}
