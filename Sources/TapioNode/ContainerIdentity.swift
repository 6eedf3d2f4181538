/// What a memory cgroup is: a container (and of which pod), a pod, a runtime helper, or a
/// plain host cgroup. Built from the cgroup path by `ContainerResolver`, then optionally
/// completed from the kubelet's /pods by `KubeletPodIndex.enrich`.
public struct ContainerIdentity: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A container's own cgroup (…/cri-containerd-<id>.scope, …/pod<uid>/<id>, /docker/<id>).
        case container
        /// A pod-level cgroup (kubepods-burstable-pod<uid>.slice, kubepods/pod<uid>).
        case pod
        /// A runtime's helper process next to a container, not a container (crio-conmon-<id>).
        case runtimeHelper
        /// Anything else: system services, user sessions, QoS tiers, the root.
        case host
    }

    /// Cgroup path relative to the hierarchy root.
    public var cgroupPath: String
    public var kind: Kind
    public var runtime: ContainerRuntime
    /// Full container ID (lowercase hex) when the cgroup is a container or a runtime helper.
    public var containerID: String?
    /// Pod UID in the Kubernetes form, with dashes ("1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    /// static pods carry their 32-hex config hash instead.
    public var podUID: String?
    public var qosClass: KubernetesQoSClass?

    // From the kubelet, when available.
    public var podName: String?
    public var namespace: String?
    public var containerName: String?
    /// The pod's controlling owner (ReplicaSet, StatefulSet, DaemonSet, Job, Node, ...).
    public var ownerKind: String?
    public var ownerName: String?
    /// The container's memory limit as written in the pod spec (for a pod cgroup: the sum of
    /// its containers' limits when all have one); nil when none or unknown.
    public var memoryLimitBytes: UInt64?
    /// Pod phase (Pending, Running, Succeeded, Failed, Unknown).
    public var podPhase: String?
    public var restartCount: Int?
    /// Why the previous instance of this container ended, e.g. "OOMKilled".
    public var lastTerminationReason: String?

    /// A short human label: "namespace/pod/container" when the kubelet named it, otherwise
    /// e.g. "containerd 3f1c2a9b7d10 (nginx)" or "sshd.service (sshd)".
    public var label: String

    public init(
        cgroupPath: String, kind: Kind, runtime: ContainerRuntime = .none, containerID: String? = nil,
        podUID: String? = nil, qosClass: KubernetesQoSClass? = nil, podName: String? = nil,
        namespace: String? = nil, containerName: String? = nil, ownerKind: String? = nil,
        ownerName: String? = nil, memoryLimitBytes: UInt64? = nil, podPhase: String? = nil,
        restartCount: Int? = nil, lastTerminationReason: String? = nil, label: String
    ) {
        self.cgroupPath = cgroupPath
        self.kind = kind
        self.runtime = runtime
        self.containerID = containerID
        self.podUID = podUID
        self.qosClass = qosClass
        self.podName = podName
        self.namespace = namespace
        self.containerName = containerName
        self.ownerKind = ownerKind
        self.ownerName = ownerName
        self.memoryLimitBytes = memoryLimitBytes
        self.podPhase = podPhase
        self.restartCount = restartCount
        self.lastTerminationReason = lastTerminationReason
        self.label = label
    }

    /// True for containers and pods that belong to Kubernetes.
    public var isKubernetes: Bool { podUID != nil }

    /// The workload the pod belongs to, for grouping replicas across nodes: a ReplicaSet
    /// owner "api-7d9f8b6c4d" gives its Deployment "api"; a CronJob's Job "backup-28391520"
    /// gives "backup"; other owners their own name; no owner: the pod name. nil without a
    /// pod name.
    public var workload: String? {
        guard let podName else { return nil }
        guard let ownerKind, let ownerName else { return podName }
        switch ownerKind {
        case "ReplicaSet":
            return Self.droppingLastSegment(ownerName) { segment in
                segment.allSatisfy { $0.isLowercase || $0.isNumber }
            }
        case "Job":
            return Self.droppingLastSegment(ownerName) { segment in
                segment.count >= 8 && segment.allSatisfy(\.isNumber)
            }
        case "Node":
            return podName  // static (mirror) pod: the owner is the node itself
        default:
            return ownerName
        }
    }

    private static func droppingLastSegment(_ name: String, if isGenerated: (Substring) -> Bool) -> String {
        guard let dash = name.lastIndex(of: "-"), dash != name.startIndex else { return name }
        let segment = name[name.index(after: dash)...]
        return !segment.isEmpty && isGenerated(segment) ? String(name[..<dash]) : name
    }
}
