#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The I/O half of labelling host cgroups: finds a cgroup's main process (the lowest PID in
/// its cgroup.procs, normally the first one started) and reads its command from
/// /proc/PID/comm. `ContainerResolver` stays pure and takes the result as a parameter.
public struct ProcessCommandReader: Sendable {
    public let procRoot: String
    private var reader = KernelFileReader()

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The main command of the cgroup in `cgroupDirectory` (absolute path), nil when the
    /// cgroup has no processes or they are gone.
    public mutating func mainCommand(cgroupDirectory: String) -> String? {
        guard let pid = lowestPID(cgroupDirectory: cgroupDirectory) else { return nil }
        return command(pid: pid)
    }

    /// The lowest PID listed in `<cgroupDirectory>/cgroup.procs`.
    public mutating func lowestPID(cgroupDirectory: String) -> Int32? {
        try? reader.read(directory: AT_FDCWD, name: cgroupDirectory + "/cgroup.procs") { (bytes) throws(KernelFileProblem) -> Int32? in
            Self.lowestPID(procs: bytes)
        }
    }

    /// /proc/PID/comm without its newline.
    public mutating func command(pid: Int32) -> String? {
        let path = "\(procRoot)/\(pid)/comm"
        let text = try? reader.read(directory: AT_FDCWD, name: path) { (bytes) throws(KernelFileProblem) -> String in
            String(decoding: bytes, as: UTF8.self)
        }
        guard var text else { return nil }
        while text.last == "\n" { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    /// Parses cgroup.procs content: one PID per line; the lowest wins.
    static func lowestPID(procs bytes: UnsafeRawBufferPointer) -> Int32? {
        var lowest: UInt64?
        try? KernelFileParser.forEachLine(bytes) { (_, start, end) throws(KernelFileProblem) in
            if let pid = KernelFileParser.number(bytes, start, end), pid <= UInt64(Int32.max) {
                lowest = min(lowest ?? pid, pid)
            }
        }
        return lowest.map { Int32($0) }
    }
}
