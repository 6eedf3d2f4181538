import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away cgroup v1 memory cgroup for kernel tests, created under this test process's
/// own memory cgroup only, with a limit set before any process moves in. `remove()` kills
/// the test's own children (by pid), reaps them and removes the directory.
final class KernelTestCgroup {
    static let memoryRoot = "/sys/fs/cgroup/memory"

    let path: String
    let inode: UInt64
    private(set) var children: [pid_t] = []

    /// Skips when cgroup v1 memory is not available or this process cannot create cgroups.
    /// Without `parent` the cgroup is created under this process's own memory cgroup;
    /// with one, inside that (test) cgroup.
    init(limitBytes: UInt64, parent enclosing: KernelTestCgroup? = nil) throws {
        guard access(Self.memoryRoot + "/cgroup.procs", F_OK) == 0 else {
            throw XCTSkip("needs the cgroup v1 memory controller at \(Self.memoryRoot)")
        }
        guard let own = Self.ownMemoryCgroup() else {
            throw XCTSkip("cannot find this process's memory cgroup in /proc/self/cgroup")
        }
        let parent = enclosing?.path ?? Self.memoryRoot + (own == "/" ? "" : own)
        let name = "tapio-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        path = parent + "/" + name
        guard mkdir(path, 0o755) == 0 else {
            throw XCTSkip("cannot create a test cgroup under \(parent): \(String(cString: strerror(errno)))")
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
    static func ownMemoryCgroup() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1].split(separator: ",").contains("memory") {
                return String(fields[2])
            }
        }
        return nil
    }

    func write(_ file: String, _ value: String) throws {
        let target = path + "/" + file
        let fd = open(target, O_WRONLY)
        guard fd >= 0 else { throw CgroupTestError("open \(target): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw CgroupTestError("write \(value) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    func read(_ file: String) -> String {
        (try? String(contentsOfFile: path + "/" + file, encoding: .utf8)) ?? ""
    }

    /// memory.oom_control's oom_kill counter.
    var oomKillCount: Int {
        for line in read("memory.oom_control").split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? -1
        }
        return -1
    }

    /// Starts `arguments` (absolute path first) inside this cgroup: a shell moves itself in,
    /// then execs the command, so the returned pid is the command's pid. Output is discarded.
    func spawn(_ arguments: [String]) throws -> pid_t {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = "echo $$ > '\(path)/cgroup.procs' && exec \(quoted.joined(separator: " ")) >/dev/null 2>&1"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", script].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard status == 0 else { throw CgroupTestError("posix_spawn: \(String(cString: strerror(status)))") }
        children.append(pid)
        return pid
    }

    /// Waits for a child to end; returns its wait status, or nil on timeout.
    func wait(_ pid: pid_t, timeout: Double) -> Int32? {
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

    /// Kills our remaining children by pid, reaps them, removes the cgroup directory.
    func remove() {
        for pid in children {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        children.removeAll()
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(100_000)
        }
        print("warning: could not remove test cgroup \(path): \(String(cString: strerror(errno)))")
    }

    deinit {
        remove()
    }
}

struct CgroupTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
