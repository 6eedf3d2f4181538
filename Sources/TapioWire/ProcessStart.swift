import NIOCore

/// A process started (kind 4): a fork of a new process or an exec replacing its image.
public struct ProcessStart: RecordBody {
    public static let kind = RecordKind.processStart
    public static let minimumBodyLength = 44

    /// `unknown` stands for a cause a newer peer sends that this build does not know.
    public enum Cause: UInt32, Sendable, Codable { case unknown = 0, fork = 1, exec = 2 }

    public var pid: UInt32
    public var ppid: UInt32
    public var cgroupId: UInt64
    /// PID-namespace depth: 0 on the host, > 0 inside a container.
    public var pidNamespaceLevel: UInt32
    /// The pid as seen inside its own namespace.
    public var namespacePid: UInt32
    public var cause: Cause
    public var comm: String

    public init(pid: UInt32, ppid: UInt32, cgroupId: UInt64, pidNamespaceLevel: UInt32, namespacePid: UInt32, cause: Cause, comm: String) {
        self.pid = pid
        self.ppid = ppid
        self.cgroupId = cgroupId
        self.pidNamespaceLevel = pidNamespaceLevel
        self.namespacePid = namespacePid
        self.cause = cause
        self.comm = comm
    }

    public func encode(into fields: inout FieldWriter) {
        fields.put(pid)
        fields.put(ppid)
        fields.put(cgroupId)
        fields.put(pidNamespaceLevel)
        fields.put(namespacePid)
        fields.put(cause.rawValue)
        fields.putFixedString(comm, width: 16)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        pid = body.u32()
        ppid = body.u32()
        cgroupId = body.u64()
        pidNamespaceLevel = body.u32()
        namespacePid = body.u32()
        cause = Cause(rawValue: body.u32()) ?? .unknown
        comm = body.fixedString(width: 16)
    }
}
