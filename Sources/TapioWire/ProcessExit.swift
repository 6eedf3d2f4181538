import NIOCore

/// A process ended (kind 5): reported once per process (its thread-group leader), not per thread.
public struct ProcessExit: RecordBody {
    public static let kind = RecordKind.processExit
    public static let minimumBodyLength = 44

    public var pid: UInt32
    public var ppid: UInt32
    public var cgroupId: UInt64
    public var pidNamespaceLevel: UInt32
    public var namespacePid: UInt32
    /// The kernel's `exit_code`: exit status << 8, or the terminating signal in the low 7 bits.
    public var exitCode: Int32
    public var comm: String

    public init(pid: UInt32, ppid: UInt32, cgroupId: UInt64, pidNamespaceLevel: UInt32, namespacePid: UInt32, exitCode: Int32, comm: String) {
        self.pid = pid
        self.ppid = ppid
        self.cgroupId = cgroupId
        self.pidNamespaceLevel = pidNamespaceLevel
        self.namespacePid = namespacePid
        self.exitCode = exitCode
        self.comm = comm
    }

    /// The signal that ended the process, if one did (SIGKILL = 9 for an OOM kill).
    public var terminatingSignal: Int32? { exitCode & 0x7F == 0 ? nil : exitCode & 0x7F }

    public func encode(into fields: inout FieldWriter) {
        fields.put(pid)
        fields.put(ppid)
        fields.put(cgroupId)
        fields.put(pidNamespaceLevel)
        fields.put(namespacePid)
        fields.put(exitCode)
        fields.putFixedString(comm, width: 16)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        pid = body.u32()
        ppid = body.u32()
        cgroupId = body.u64()
        pidNamespaceLevel = body.u32()
        namespacePid = body.u32()
        exitCode = body.i32()
        comm = body.fixedString(width: 16)
    }
}
