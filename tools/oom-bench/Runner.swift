import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func log(_ line: String) {
    FileHandle.standardError.write(Data("tapio-oom-bench: \(line)\n".utf8))
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func readText(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

/// A memory cgroup (v1) under this process's own memory cgroup, removed afterwards.
final class BenchCgroup {
    let path: String
    let relativePath: String

    static func ownMemoryCgroup() -> String? {
        for line in readText("/proc/self/cgroup").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2)
            if parts.count == 3, parts[1].split(separator: ",").contains("memory") { return String(parts[2]) }
        }
        return nil
    }

    init(relativePath: String, limitBytes: UInt64?) throws {
        self.relativePath = relativePath
        path = "/sys/fs/cgroup/memory" + relativePath
        guard mkdir(path, 0o755) == 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        if let limitBytes { try setLimit(limitBytes) }
    }

    func setLimit(_ bytes: UInt64) throws {
        try "\(bytes)".write(toFile: path + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
    }

    var inode: UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : 0
    }

    var oomKills: Int {
        readText(path + "/memory.oom_control").split(separator: "\n").first { $0.hasPrefix("oom_kill ") }
            .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }

    var pids: [Int32] { readText(path + "/cgroup.procs").split(separator: "\n").compactMap { Int32($0) } }

    /// SIGKILLs what runs inside (only our own workload can be there).
    func killAll() {
        for pid in pids { kill(pid, SIGKILL) }
    }

    func remove() {
        for _ in 0..<100 {
            if pids.isEmpty { break }
            killAll()
            usleep(100_000)
        }
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(100_000)
        }
        log("could not remove \(path): \(String(cString: strerror(errno)))")
    }
}

/// Starts a process with stdout/stderr to files.
func startProcess(_ executable: String, _ arguments: [String], directory: String, label: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    _ = FileManager.default.createFile(atPath: "\(directory)/\(label).out", contents: nil)
    _ = FileManager.default.createFile(atPath: "\(directory)/\(label).err", contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/\(label).out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/\(label).err"))
    try process.run()
    return process
}

func stop(_ process: Process, signal: Int32, grace: Double) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, signal)
    let deadline = monotonic() + grace
    while process.isRunning && monotonic() < deadline { usleep(50_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = monotonic() + seconds
    while monotonic() < deadline {
        if condition() { return true }
        usleep(100_000)
    }
    return condition()
}

func findExecutable(_ name: String) -> String? {
    var dirs: [String] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        dirs.append(URL(fileURLWithPath: exe).deletingLastPathComponent().path)
    }
    dirs += (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    return dirs.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
}

/// The RUN phase: workloads in limited cgroups under our own memory cgroup, a real exporter
/// (recording every frame it sends) streaming to a real aggregator on loopback.
struct SuiteRunner {
    var specs: [WorkloadSpec]
    var dumpPath: String
    var workDirectory: String
    var commandLine: String

    func run() throws -> Manifest {
        guard geteuid() == 0 else { throw BenchError("needs root (memory cgroups and the exporter's BPF programs)") }
        guard let own = BenchCgroup.ownMemoryCgroup(),
              FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.usage_in_bytes")
        else { throw BenchError("needs a cgroup v1 memory hierarchy at /sys/fs/cgroup/memory") }
        guard let exporter = findExecutable("tapio-exporter"), let aggregator = findExecutable("tapio-aggregator"),
              let workload = findExecutable("tapio-workload")
        else { throw BenchError("tapio-exporter, tapio-aggregator and tapio-workload must be built next to tapio-oom-bench") }
        var runtimes: [String: String] = [:]
        for runtime in ["node", "java"] where specs.contains(where: { $0.command.first == runtime }) {
            guard let path = findExecutable(runtime) else { throw BenchError("the GC-runtime workload needs `\(runtime)` on PATH") }
            runtimes[runtime] = path
        }

        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: dumpPath)
        let token = "\(workDirectory)/token"
        try "oom-bench-\(getpid())-\(UInt64(monotonic() * 1e6))\n".write(toFile: token, atomically: true, encoding: .utf8)
        if runtimes["java"] != nil {
            // Compiled here, outside the cgroups, so javac's memory is not charged to the workload.
            try Suite.javaSource.write(toFile: "\(workDirectory)/TapioLeak.java", atomically: true, encoding: .utf8)
            guard let javac = findExecutable("javac") else { throw BenchError("the JVM workload needs `javac` on PATH") }
            let compile = try startProcess(javac, ["-d", workDirectory, "\(workDirectory)/TapioLeak.java"], directory: workDirectory, label: "javac")
            compile.waitUntilExit()
            guard compile.terminationStatus == 0 else { throw BenchError("javac failed: \(readText("\(workDirectory)/javac.err"))") }
        }
        let shmFile = "/dev/shm/tapio-oombench-\(getpid())"
        defer {
            unlink(shmFile)
            unlink("\(workDirectory)/bigfile")
        }

        // Cgroups first (the exporter samples what exists under its subtree).
        let parent = try BenchCgroup(relativePath: (own == "/" ? "" : own) + "/tapio-oombench-\(getpid())", limitBytes: nil)
        var cgroups: [BenchCgroup] = []
        var processes: [Process?] = Array(repeating: nil, count: specs.count)
        var aggregatorProcess: Process?
        var exporterProcess: Process?
        defer {
            for process in processes.compactMap({ $0 }) { stop(process, signal: SIGKILL, grace: 2) }
            if let exporterProcess { stop(exporterProcess, signal: SIGINT, grace: 10) }
            if let aggregatorProcess { stop(aggregatorProcess, signal: SIGTERM, grace: 10) }
            for cgroup in cgroups { cgroup.remove() }
            parent.remove()
        }
        for spec in specs {
            cgroups.append(try BenchCgroup(relativePath: parent.relativePath + "/" + spec.name, limitBytes: UInt64(spec.limitMiB) << 20))
        }

        aggregatorProcess = try startProcess(
            aggregator,
            ["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--journal", "\(workDirectory)/journal", "--token-file", token,
             "--alerts-log", "\(workDirectory)/alerts.jsonl", "--quiet"],
            directory: workDirectory, label: "aggregator")
        var port: Int?
        _ = waitFor(20) {
            let line = readText("\(workDirectory)/aggregator.err").split(separator: "\n").first { $0.contains("listening for frames on") }
            port = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") } }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
            return port != nil || !(aggregatorProcess?.isRunning ?? false)
        }
        guard let port else { throw BenchError("aggregator did not start: \(readText("\(workDirectory)/aggregator.err"))") }

        exporterProcess = try startProcess(
            exporter,
            ["--aggregator", "127.0.0.1:\(port)", "--node", "oom-bench", "--token-file", token,
             "--cgroup-subtree", parent.relativePath, "--record", dumpPath],
            directory: workDirectory, label: "exporter")
        guard waitFor(30, { readText("\(workDirectory)/exporter.err").contains("connected to") || !(exporterProcess?.isRunning ?? false) }),
              exporterProcess?.isRunning ?? false
        else { throw BenchError("exporter did not connect: \(readText("\(workDirectory)/exporter.err"))") }
        sleep(2)

        let start = monotonic()
        let wallStart = Date()
        for (index, spec) in specs.enumerated() {
            let words = spec.command.map {
                $0.replacingOccurrences(of: "{workload}", with: workload)
                    .replacingOccurrences(of: "{dir}", with: workDirectory)
                    .replacingOccurrences(of: "{shm}", with: shmFile)
            }.map { runtimes[$0] ?? $0 }
            processes[index] = try startProcess(
                "/bin/sh", ["-c", "echo $$ > \(cgroups[index].path)/cgroup.procs && exec \"$@\"", "sh"] + words,
                directory: workDirectory, label: spec.name)
        }
        log("started \(specs.count) workload(s) under \(parent.path); dump \(dumpPath)")

        var ended: [String?] = Array(repeating: nil, count: specs.count)
        var killSeenAt: [Double?] = Array(repeating: nil, count: specs.count)
        var lowered = Array(repeating: false, count: specs.count)
        var lastReport = start
        while ended.contains(where: { $0 == nil }) {
            usleep(250_000)
            let elapsed = monotonic() - start
            for (index, spec) in specs.enumerated() where ended[index] == nil {
                let cgroup = cgroups[index]
                if let lower = spec.lowerLimit, !lowered[index], elapsed >= lower.atSeconds {
                    lowered[index] = true
                    do {
                        try cgroup.setLimit(UInt64(lower.toMiB) << 20)
                        log("\(spec.name): limit lowered to \(lower.toMiB) MiB at \(Int(elapsed)) s")
                    } catch {
                        log("\(spec.name): could not lower the limit: \(error)")
                    }
                }
                if killSeenAt[index] == nil, cgroup.oomKills > 0 {
                    killSeenAt[index] = elapsed
                    log("\(spec.name): OOM kill at \(Int(elapsed)) s")
                }
                let process = processes[index]!
                if let seen = killSeenAt[index], elapsed - seen >= 3 {
                    // The first kill is the ground truth; end the rest (forked children) now.
                    cgroup.killAll()
                    if cgroup.pids.isEmpty && !process.isRunning { ended[index] = "OOM-killed" }
                } else if !process.isRunning && cgroup.pids.isEmpty {
                    ended[index] = killSeenAt[index] != nil ? "OOM-killed" : "exited \(process.terminationStatus)"
                } else if elapsed > spec.maxSeconds {
                    cgroup.killAll()
                    if !process.isRunning { ended[index] = "stopped at its time bound" }
                }
            }
            if monotonic() - lastReport >= 30 {
                lastReport = monotonic()
                log("\(Int(monotonic() - start)) s: \(ended.filter { $0 == nil }.count) workload(s) running")
            }
        }
        sleep(3)  // the last samples and kill records reach the dump
        if let exporterProcess { stop(exporterProcess, signal: SIGINT, grace: 10) }
        if let aggregatorProcess { stop(aggregatorProcess, signal: SIGTERM, grace: 10) }
        try? FileManager.default.removeItem(atPath: dumpPath + ".alerts.jsonl")
        try? FileManager.default.copyItem(atPath: "\(workDirectory)/alerts.jsonl", toPath: dumpPath + ".alerts.jsonl")

        var uname = utsname()
        Glibc.uname(&uname)
        let release = withUnsafeBytes(of: &uname.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cpu = readText("/proc/cpuinfo").split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "?"
        let memory = readText("/proc/meminfo").split(separator: "\n").first.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "?" } ?? "?"
        let formatter = ISO8601DateFormatter()
        return Manifest(
            date: formatter.string(from: wallStart),
            machine: "Linux \(release), \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \((Int(memory) ?? 0) >> 20) GiB RAM, cgroup v1",
            command: commandLine, wallSeconds: monotonic() - start,
            workloads: specs.enumerated().map { index, spec in
                Manifest.Workload(
                    name: spec.name, category: spec.category, cgroupPath: cgroups[index].relativePath, cgroupId: cgroups[index].inode,
                    limitMiB: spec.limitMiB, loweredLimit: spec.lowerLimit.map { "\($0.toMiB) MiB at \(Int($0.atSeconds)) s" },
                    command: spec.command.map { $0.contains(" ") || $0.contains("\n") ? "'…'" : $0 }.joined(separator: " "),
                    kernelOOMKills: cgroups[index].oomKills, exit: ended[index] ?? "?")
            })
    }
}
