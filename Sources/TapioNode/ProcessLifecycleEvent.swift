/// A process starting (fork of a new process, or exec) or ending (once per process).
public struct ProcessLifecycleEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A new process (thread group); threads are not reported.
        case fork
        /// The process replaced its program.
        case exec
        /// The last thread of the process exited.
        case exit
    }

    public var kind: Kind
    public var timestampNs: UInt64
    /// The process (tgid) and its real parent's tgid, in the initial PID namespace.
    public var pid: Int32
    public var ppid: Int32
    public var comm: String
    /// Memory cgroup id (inode of the cgroup directory).
    public var cgroupID: UInt64
    /// 0 in the host's PID namespace; > 0 inside a container or sandbox.
    public var pidNamespaceLevel: UInt32
    /// The pid as the process sees it inside its own PID namespace.
    public var namespacePID: Int32
    /// Exit only: the kernel's task->exit_code (wait status: exit status << 8 | signal).
    public var exitCode: Int32
    public var uid: UInt32

    public init(
        kind: Kind, timestampNs: UInt64, pid: Int32, ppid: Int32, comm: String, cgroupID: UInt64,
        pidNamespaceLevel: UInt32, namespacePID: Int32, exitCode: Int32 = 0, uid: UInt32 = 0
    ) {
        self.kind = kind
        self.timestampNs = timestampNs
        self.pid = pid
        self.ppid = ppid
        self.comm = comm
        self.cgroupID = cgroupID
        self.pidNamespaceLevel = pidNamespaceLevel
        self.namespacePID = namespacePID
        self.exitCode = exitCode
        self.uid = uid
    }

    /// Runs in a PID namespace other than the host's (a container, a sandbox).
    public var isContainerised: Bool { pidNamespaceLevel > 0 }
    /// Exit status (0...255) when the process exited normally, nil when a signal ended it.
    public var exitStatus: Int32? { exitCode & 0x7f == 0 ? (exitCode >> 8) & 0xff : nil }
    /// The signal that ended the process (e.g. 9 for an OOM kill), nil when it exited normally.
    public var terminatingSignal: Int32? { exitCode & 0x7f != 0 ? exitCode & 0x7f : nil }
}
