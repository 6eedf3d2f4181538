#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the memory cgroups live and which interface they speak.
///
/// Cgroup paths everywhere in TapioNode are relative to `rootDirectory` and start with "/"
/// ("/kubepods/burstable/pod…/…"), exactly as the kernel prints them in /proc/PID/cgroup.
public struct CgroupHierarchy: Sendable, Equatable {
    public var version: CgroupVersion
    /// Absolute path of the hierarchy root: "/sys/fs/cgroup" (v2) or "/sys/fs/cgroup/memory" (v1).
    public var rootDirectory: String

    public init(version: CgroupVersion, rootDirectory: String) {
        self.version = version
        self.rootDirectory = Self.trimmingTrailingSlash(rootDirectory)
    }

    /// No memory cgroup hierarchy where one was expected.
    public struct DetectionError: Error, Sendable, Equatable, CustomStringConvertible {
        public var cgroupRoot: String
        public var reason: String

        public var description: String {
            "no memory cgroup hierarchy under \(cgroupRoot): \(reason)"
        }
    }

    /// Detects the memory hierarchy below `cgroupRoot` (normally /sys/fs/cgroup):
    /// - v2 when `<root>/cgroup.controllers` exists and lists `memory`;
    /// - v1 when `<root>/memory/memory.usage_in_bytes` exists (the usual v1 or hybrid layout,
    ///   where /sys/fs/cgroup/unified may hold a v2 tree without the memory controller);
    /// - v1 when `<root>` itself is a v1 memory hierarchy (`<root>/memory.usage_in_bytes`).
    public static func detect(cgroupRoot: String = "/sys/fs/cgroup") throws(DetectionError) -> CgroupHierarchy {
        let root = trimmingTrailingSlash(cgroupRoot)
        var v2WithoutMemory = false
        if let controllers = readSmallTextFile(root + "/cgroup.controllers") {
            if controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("memory") {
                return CgroupHierarchy(version: .v2, rootDirectory: root)
            }
            v2WithoutMemory = true
        }
        if access(root + "/memory/memory.usage_in_bytes", F_OK) == 0 {
            return CgroupHierarchy(version: .v1, rootDirectory: root + "/memory")
        }
        if access(root + "/memory.usage_in_bytes", F_OK) == 0 {
            return CgroupHierarchy(version: .v1, rootDirectory: root)
        }
        throw DetectionError(
            cgroupRoot: root,
            reason: v2WithoutMemory
                ? "cgroup v2 is mounted but its cgroup.controllers does not list memory, and there is no v1 memory hierarchy"
                : "neither \(root)/cgroup.controllers (v2) nor \(root)/memory/memory.usage_in_bytes (v1) exists; is cgroupfs mounted?")
    }

    /// Absolute directory of a cgroup path ("/" is the root itself).
    public func directory(for cgroupPath: String) -> String {
        let relative = Self.normalized(cgroupPath)
        return relative == "/" ? rootDirectory : rootDirectory + relative
    }

    /// The parent of a cgroup path, nil for the root.
    public static func parent(of cgroupPath: String) -> String? {
        let path = normalized(cgroupPath)
        guard path != "/" else { return nil }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// "/a/b/" and "a/b" both become "/a/b"; "" becomes "/".
    public static func normalized(_ cgroupPath: String) -> String {
        var path = cgroupPath
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if !path.hasPrefix("/") { path = "/" + path }
        return path
    }

    /// The memory cgroup path of a process from the content of /proc/PID/cgroup: the line
    /// whose controller list contains `memory` on v1 ("4:memory:/user.slice"), the "0::" line
    /// on v2 ("0::/system.slice/foo.service"). nil if there is no such line.
    public static func memoryCgroupPath(procCgroup content: String, version: CgroupVersion) -> String? {
        for line in content.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            switch version {
            case .v2:
                if parts[0] == "0", parts[1].isEmpty { return String(parts[2]) }
            case .v1:
                if parts[1].split(separator: ",").contains("memory") { return String(parts[2]) }
            }
        }
        return nil
    }

    private static func trimmingTrailingSlash(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Reads a small text file (only used for detection), nil if unreadable.
    static func readSmallTextFile(_ path: String) -> String? {
        var reader = KernelFileReader()
        return try? reader.read(directory: AT_FDCWD, name: path) { (bytes) throws(KernelFileProblem) -> String in
            String(decoding: bytes, as: UTF8.self)
        }
    }
}
