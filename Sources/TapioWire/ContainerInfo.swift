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

    /// The nine names as the wire carries them (cut to the str16 limit), in wire order.
    private var wireNames: [[UInt8]] {
        [cgroupPath, containerId, podUid, podName, namespace, containerName, workload, podPhase, label].map(ByteBuffer.wireUTF8)
    }

    public var encodedLength: Int { wireNames.reduce(20) { $0 + 2 + $1.count } }

    public func encode(into fields: inout FieldWriter) {
        fields.put(cgroupId)
        fields.put(runtime.rawValue)
        fields.put(qosClass.rawValue)
        fields.put(UInt16(0))
        fields.putOptional(specLimitBytes)
        for name in wireNames { fields.putString16(name) }
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        cgroupId = body.u64()
        let rawRuntime = body.u8()
        let rawQoS = body.u8()
        body.skip(2)
        // Unknown enum values from a newer peer degrade to "other"/"unknown" instead of failing.
        runtime = Runtime(rawValue: rawRuntime) ?? .other
        qosClass = QoSClass(rawValue: rawQoS) ?? .unknown
        specLimitBytes = body.optionalU64()
        cgroupPath = try body.string16(field: "container-info cgroupPath")
        containerId = try body.string16(field: "container-info containerId")
        podUid = try body.string16(field: "container-info podUid")
        podName = try body.string16(field: "container-info podName")
        namespace = try body.string16(field: "container-info namespace")
        containerName = try body.string16(field: "container-info containerName")
        workload = try body.string16(field: "container-info workload")
        podPhase = try body.string16(field: "container-info podPhase")
        label = try body.string16(field: "container-info label")
    }
}
