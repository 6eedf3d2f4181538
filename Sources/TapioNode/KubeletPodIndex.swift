/// Looks pods and containers of a `KubeletPodList` up by container ID and pod UID, and
/// completes `ContainerIdentity` values resolved from cgroup paths with what the kubelet
/// knows: pod name, namespace, container name, owner, spec memory limit, phase, restarts.
public struct KubeletPodIndex: Sendable {
    public let podList: KubeletPodList
    private var podsByUID: [String: Int] = [:]
    private var containersByID: [String: ContainerRef] = [:]

    private struct ContainerRef: Sendable {
        var pod: Int
        var status: KubeletPodList.ContainerStatus
        var runtime: ContainerRuntime?
    }

    public init(_ podList: KubeletPodList) {
        self.podList = podList
        for (index, pod) in podList.items.enumerated() {
            podsByUID[pod.metadata.uid.lowercased()] = index
            let statuses = (pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])
            for status in statuses {
                guard let parsed = status.parsedContainerID else { continue }
                containersByID[parsed.id] = ContainerRef(pod: index, status: status, runtime: parsed.runtime)
            }
        }
    }

    public func pod(uid: String) -> KubeletPodList.Pod? {
        podsByUID[uid.lowercased()].map { podList.items[$0] }
    }

    /// The identity with the kubelet's view added. Containers are matched by ID (falling
    /// back to their pod by UID, e.g. for the sandbox "pause" container, which the kubelet
    /// does not list); pods by UID. Identities the kubelet does not know come back unchanged.
    public func enrich(_ identity: ContainerIdentity) -> ContainerIdentity {
        var result = identity
        var podIndex = identity.podUID.flatMap { podsByUID[$0.lowercased()] }

        if identity.kind == .container, let id = identity.containerID, let ref = containersByID[id.lowercased()] {
            podIndex = ref.pod
            let pod = podList.items[ref.pod]
            let status = ref.status
            result.containerName = status.name
            result.restartCount = status.restartCount
            result.lastTerminationReason = status.lastState?.terminated?.reason
            if result.runtime == .unknown || result.runtime == .none, let runtime = ref.runtime {
                result.runtime = runtime
            }
            let specs = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])
            result.memoryLimitBytes = specs.first(where: { $0.name == status.name })?.memoryLimitBytes
            if result.podUID == nil { result.podUID = pod.metadata.uid.lowercased() }
        }

        guard let podIndex else { return result }
        let pod = podList.items[podIndex]
        result.podName = pod.metadata.name
        result.namespace = pod.metadata.namespace ?? "default"
        result.ownerKind = pod.metadata.controller?.kind
        result.ownerName = pod.metadata.controller?.name
        result.podPhase = pod.status?.phase
        if result.qosClass == nil, let qos = pod.status?.qosClass {
            result.qosClass = KubernetesQoSClass(kubernetes: qos)
        }
        let podLabel = "\(result.namespace ?? "default")/\(pod.metadata.name)"
        switch identity.kind {
        case .container:
            if let name = result.containerName {
                result.label = "\(podLabel)/\(name)"
            } else {
                // In the pod, but not a listed container: the sandbox, or a previous instance.
                result.label = "\(podLabel)/\(identity.containerID?.prefix(12) ?? "?")"
            }
        case .pod:
            result.label = podLabel
            let limits = (pod.spec?.containers ?? []).map(\.memoryLimitBytes)
            if !limits.isEmpty, limits.allSatisfy({ $0 != nil }) {
                result.memoryLimitBytes = limits.reduce(0) { $0 &+ ($1 ?? 0) }
            }
        case .runtimeHelper:
            result.label = "\(podLabel) \(identity.label)"
        case .host:
            break
        }
        return result
    }
}
