/// A cgroup whose memory files could not be read or understood. The sampler reports one of
/// these per failing cgroup and goes on with the others.
///
/// Printed as one line, e.g.
/// `cgroup /kubepods/burstable/pod1/abc: /sys/fs/cgroup/memory/kubepods/.../memory.stat: truncated after 12 complete lines (no final newline)`.
public struct CgroupReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cgroup, relative to the hierarchy root ("/kubepods/burstable/pod…/…").
    public var cgroupPath: String
    /// The absolute path of the file (or directory) that failed.
    public var filePath: String
    public var problem: KernelFileProblem

    public init(cgroupPath: String, filePath: String, problem: KernelFileProblem) {
        self.cgroupPath = cgroupPath
        self.filePath = filePath
        self.problem = problem
    }

    /// True when the cgroup simply went away between listing and reading; callers usually
    /// drop these quietly instead of logging them.
    public var isVanished: Bool { problem == .vanished || problem == .noSuchCgroup }

    public var description: String {
        "cgroup \(cgroupPath): \(filePath): \(problem)"
    }
}
