import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away cgroup v1 memory cgroup for tests that run real workloads: created under this
/// test process's own memory cgroup only (or inside another test cgroup), with its limit set
/// before any process moves in. `remove()` (or deinit) kills the processes inside, which only a
/// test can have put there, reaps the test's own children and removes the directory. Never
/// touches any other cgroup.
public final class TestCgroup {
    public static let memoryRoot = "/sys/fs/cgroup/memory"

    public let path: String
    /// Relative to the memory hierarchy's root, as the exporter reports it.
    public let relativePath: String
    /// The directory's inode: the kernel's cgroup id for it.
    public let inode: UInt64
    public private(set) var children: [pid_t] = []

    /// Skips (with the reason) without root or the cgroup v1 memory controller. `name` gives a
    /// recognisable directory name (`NAME-PID`); the default is unique per call.
    public init(limitBytes: UInt64, name: String? = nil, parent enclosing: TestCgroup? = nil) throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root to create memory cgroups") }
        guard access(Self.memoryRoot + "/cgroup.procs", F_OK) == 0 else {
            throw XCTSkip("needs the cgroup v1 memory controller at \(Self.memoryRoot)")
        }
        guard let own = Self.ownMemoryCgroup() else {
            throw XCTSkip("cannot find this process's memory cgroup in /proc/self/cgroup")
        }
        let leaf = name.map { "\($0)-\(getpid())" } ?? "tapio-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        relativePath = (enclosing?.relativePath ?? (own == "/" ? "" : own)) + "/" + leaf
        path = Self.memoryRoot + relativePath
        guard mkdir(path, 0o755) == 0 else {
            throw XCTSkip("cannot create a test cgroup at \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            rmdir(path)
            throw XCTSkip("cannot stat \(path)")
        }
        inode = UInt64(info.st_ino)
        do {
            try write("memory.limit_in_bytes", "\(limitBytes)")
            if access(path + "/memory.memsw.limit_in_bytes", F_OK) == 0 {
                try write("memory.memsw.limit_in_bytes", "\(limitBytes)")  // no escape into swap
            }
        } catch {
            rmdir(path)
            throw error
        }
    }

    /// The memory cgroup path of this process ("/process_api/…"), from /proc/self/cgroup.
    public static func ownMemoryCgroup() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1].split(separator: ",").contains("memory") {
                return String(fields[2])
            }
        }
        return nil
    }

    public func write(_ file: String, _ value: String) throws {
        let target = path + "/" + file
        let fd = open(target, O_WRONLY)
        guard fd >= 0 else { throw TestCgroupError("open \(target): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw TestCgroupError("write \(value) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    public func read(_ file: String) -> String {
        (try? String(contentsOfFile: path + "/" + file, encoding: .utf8)) ?? ""
    }

    /// memory.oom_control's oom_kill counter (-1 when the file has none).
    public var oomKillCount: Int {
        for line in read("memory.oom_control").split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? -1
        }
        return -1
    }

    /// The shell words (for /bin/sh) that run `command` inside this cgroup from its first
    /// instruction, for processes a harness starts itself.
    public func wrap(_ command: [String]) -> [String] {
        ["-c", "echo $$ > \(path)/cgroup.procs && exec \"$@\"", "sh"] + command
    }

    /// Starts `arguments` (absolute path first) inside this cgroup: a shell moves itself in,
    /// then execs the command, so the returned pid is the command's pid. Output is discarded.
    public func spawn(_ arguments: [String]) throws -> pid_t {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = "echo $$ > '\(path)/cgroup.procs' && exec \(quoted.joined(separator: " ")) >/dev/null 2>&1"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", script].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard status == 0 else { throw TestCgroupError("posix_spawn: \(String(cString: strerror(status)))") }
        children.append(pid)
        return pid
    }

    /// Waits for a child to end; returns its wait status, or nil on timeout.
    public func wait(_ pid: pid_t, timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                children.removeAll { $0 == pid }
                return status
            }
            if result < 0 { return nil }
            usleep(10_000)
        }
        return nil
    }

    /// Kills our children by pid and reaps them, then whatever else still runs inside (a
    /// harness's processes: only a test can have moved them in), and removes the directory.
    public func remove() {
        for pid in children {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        children.removeAll()
        for _ in 0..<50 {
            let inside = read("cgroup.procs").split(separator: "\n").compactMap { pid_t($0) }
            for pid in inside { kill(pid, SIGKILL) }
            if inside.isEmpty, rmdir(path) == 0 || errno == ENOENT { return }
            usleep(100_000)
        }
        print("warning: could not remove test cgroup \(path): \(String(cString: strerror(errno)))")
    }

    deinit {
        remove()
    }
}

public struct TestCgroupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
