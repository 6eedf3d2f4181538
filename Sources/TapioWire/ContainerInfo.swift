import NIOCore

/// What a memory cgroup is (kind 6): runtime, container and pod identity, and how Kubernetes
/// sees it. Sent when a cgroup is first seen and whenever its identity changes.
public struct ContainerInfo: RecordBody {
    public static let kind = RecordKind.containerInfo
    /// Fixed part: cgroupId, runtime, qos, reserved u16, specLimit; then nine str16 fields.
    public static let minimumBodyLength = 20 + 9 * 2

    public enum Runtime: UInt8, Sendable, Codable { case none = 0, containerd = 1, crio = 2, docker = 3, other = 4 }
    public enum QoSClass: UInt8, Sendable, Codable { case unknown = 0, guaranteed = 1, burstable = 2, bestEffort = 3 }

    public var cgroupId: UInt64
    public var runtime: Runtime
    public var qosClass: QoSClass
    /// The memory limit in the pod spec, as Kubernetes sees it; nil when none or unknown.
    public var specLimitBytes: UInt64?
    public var cgroupPath: String
    public var containerId: String
    public var podUid: String
    public var podName: String
    public var namespace: String
    public var containerName: String
    /// Workload the pod belongs to (owner name, or pod name with its generated suffix stripped).
    public var workload: String
    /// Pod phase (Running, Pending, ...) when known.
    public var podPhase: String
    /// A human label for non-Kubernetes cgroups: the cgroup name and main command.
    public var label: String

    public init(
        cgroupId: UInt64, runtime: Runtime = .none, qosClass: QoSClass = .unknown, specLimitBytes: UInt64? = nil,
        cgroupPath: String, containerId: String = "", podUid: String = "", podName: String = "", namespace: String = "",
        containerName: String = "", workload: String = "", podPhase: String = "", label: String = ""
    ) {
        self.cgroupId = cgroupId
        self.runtime = runtime
        self.qosClass = qosClass
        self.specLimitBytes = specLimitBytes
        self.cgroupPath = cgroupPath
        self.containerId = containerId
        self.podUid = podUid
        self.podName = podName
        self.namespace = namespace
        self.containerName = containerName
        self.workload = workload
        self.podPhase = podPhase
        self.label = label
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(cgroupId)
        buffer.writeInteger(runtime.rawValue)
        buffer.writeInteger(qosClass.rawValue)
        buffer.writeInteger(UInt16(0))
        buffer.writeOptional(specLimitBytes)
        for field in [cgroupPath, containerId, podUid, podName, namespace, containerName, workload, podPhase, label] {
            buffer.writeString16(field)
        }
    }

    public init(decoding body: inout ByteBuffer) throws(WireError) {
        cgroupId = body.readU64()
        let rawRuntime = body.readInteger(as: UInt8.self)!
        let rawQoS = body.readInteger(as: UInt8.self)!
        _ = body.readInteger(as: UInt16.self)
        // Unknown enum values from a newer peer degrade to "other"/"unknown" instead of failing.
        runtime = Runtime(rawValue: rawRuntime) ?? .other
        qosClass = QoSClass(rawValue: rawQoS) ?? .unknown
        specLimitBytes = body.readOptionalU64()
        cgroupPath = try body.readString16(field: "container-info cgroupPath")
        containerId = try body.readString16(field: "container-info containerId")
        podUid = try body.readString16(field: "container-info podUid")
        podName = try body.readString16(field: "container-info podName")
        namespace = try body.readString16(field: "container-info namespace")
        containerName = try body.readString16(field: "container-info containerName")
        workload = try body.readString16(field: "container-info workload")
        podPhase = try body.readString16(field: "container-info podPhase")
        label = try body.readString16(field: "container-info label")
    }
}
