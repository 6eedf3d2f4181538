/// Tells from a cgroup path which container, pod and QoS class it belongs to. Pure: no I/O;
/// the main process's command for host cgroups is passed in (see `ProcessCommandReader`).
///
/// Layouts understood (cgroup v1 below the memory hierarchy, v2 below the unified root; the
/// paths are the same on both):
///
/// systemd cgroup driver
///   /kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<id>.scope              guaranteed
///   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
///   /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/crio-<id>.scope
///   …/docker-<id>.scope (dockershim / cri-dockerd), …/crio-conmon-<id>.scope (helper, not a container)
///   /system.slice/containerd.service/kubepods-burstable-pod<uid_>.slice:cri-containerd:<id>
///     (containerd running pods inside its own unit, e.g. kind and k3s)
/// cgroupfs cgroup driver
///   /kubepods/pod<uid>/<id>  /kubepods/burstable/pod<uid>/<id>  /kubepods/besteffort/pod<uid>/<id>
///   …/pod<uid>/crio-<id>, …/pod<uid>/crio-conmon-<id>
/// plain Docker
///   /docker/<id> (cgroupfs), /system.slice/docker-<id>.scope (systemd)
///
/// The systemd driver escapes the pod UID's dashes as underscores; `podUID` is always given
/// back with dashes. Paths may be nested (kind nodes: /docker/<node-id>/kubepods/…): the
/// innermost match wins.
public struct ContainerResolver: Sendable {
    /// Runtime to assume for bare-ID container directories (cgroupfs driver), where the path
    /// does not name the runtime. nil: `.unknown` (the kubelet data can fill it in).
    public var cgroupfsRuntime: ContainerRuntime?

    public init(cgroupfsRuntime: ContainerRuntime? = nil) {
        self.cgroupfsRuntime = cgroupfsRuntime
    }

    /// Resolves a cgroup path; `mainCommand` (e.g. "sshd") goes into the label of host
    /// cgroups and unnamed containers.
    public func resolve(cgroupPath: String, mainCommand: String? = nil) -> ContainerIdentity {
        let path = CgroupHierarchy.normalized(cgroupPath)
        let components = path.split(separator: "/")
        guard let leaf = components.last else {
            return ContainerIdentity(cgroupPath: path, kind: .host, label: Self.hostLabel("/", mainCommand))
        }
        let parent = components.count >= 2 ? components[components.count - 2] : nil
        let grandparent = components.count >= 3 ? components[components.count - 3] : nil

        // containerd's "slice:prefix:id" form: the pod slice is inside the leaf name.
        let colonParts = leaf.split(separator: ":", omittingEmptySubsequences: false)
        if colonParts.count == 3, let runtime = Self.runtime(prefix: colonParts[1]), Self.isContainerID(colonParts[2]) {
            let pod = Self.pod(colonParts[0], parent: nil)
            return container(path, runtime: runtime, id: colonParts[2], pod: pod, mainCommand)
        }

        if let (kind, runtime, id) = Self.containerLeaf(leaf) {
            let pod = parent.flatMap { Self.pod($0, parent: grandparent) }
            if kind == .runtimeHelper {
                var identity = container(path, runtime: runtime, id: id, pod: pod, mainCommand)
                identity.kind = .runtimeHelper
                identity.label = "\(runtime.rawValue) helper \(id.prefix(12))"
                return identity
            }
            return container(path, runtime: runtime, id: id, pod: pod, mainCommand)
        }

        if Self.isContainerID(leaf), let parent {
            if let pod = Self.pod(parent, parent: grandparent) {
                return container(path, runtime: cgroupfsRuntime ?? .unknown, id: leaf, pod: pod, mainCommand)
            }
            if parent == "docker" {
                return container(path, runtime: .docker, id: leaf, pod: nil, mainCommand)
            }
        }

        if let pod = Self.pod(leaf, parent: parent) {
            return ContainerIdentity(
                cgroupPath: path, kind: .pod, podUID: pod.uid, qosClass: pod.qos, label: "pod \(pod.uid)")
        }

        return ContainerIdentity(cgroupPath: path, kind: .host, label: Self.hostLabel(leaf, mainCommand))
    }

    /// Label for a cgroup that is not a container: its directory name and main command.
    public static func hostLabel(_ name: some StringProtocol, _ mainCommand: String?) -> String {
        guard let mainCommand, !mainCommand.isEmpty else { return String(name) }
        return "\(name) (\(mainCommand))"
    }

    private func container(
        _ path: String, runtime: ContainerRuntime, id: Substring,
        pod: (uid: String, qos: KubernetesQoSClass?)?, _ mainCommand: String?
    ) -> ContainerIdentity {
        let short = id.prefix(12)
        var label = runtime == .unknown ? "container \(short)" : "\(runtime.rawValue) \(short)"
        if let mainCommand, !mainCommand.isEmpty { label += " (\(mainCommand))" }
        return ContainerIdentity(
            cgroupPath: path, kind: .container, runtime: runtime, containerID: String(id),
            podUID: pod?.uid, qosClass: pod?.qos, label: label)
    }

    // MARK: - Component parsers

    /// "cri-containerd-<id>.scope", "crio-<id>.scope", "docker-<id>.scope",
    /// "crio-conmon-<id>.scope", and the cgroupfs CRI-O names "crio-<id>", "crio-conmon-<id>".
    private static func containerLeaf(_ leaf: Substring) -> (ContainerIdentity.Kind, ContainerRuntime, Substring)? {
        var name = leaf
        let isScope = name.hasSuffix(".scope")
        if isScope { name = name.dropLast(".scope".count) }
        let candidates: [(String, ContainerIdentity.Kind, ContainerRuntime, Bool)] = [
            ("crio-conmon-", .runtimeHelper, .crio, false),
            ("cri-containerd-", .container, .containerd, true),
            ("crio-", .container, .crio, false),
            ("docker-", .container, .docker, true),
        ]
        for (prefix, kind, runtime, scopeOnly) in candidates where name.hasPrefix(prefix) {
            if scopeOnly && !isScope { continue }
            let id = name.dropFirst(prefix.count)
            return isContainerID(id) ? (kind, runtime, id) : nil
        }
        return nil
    }

    /// The runtime named in containerd's "slice:prefix:id" form.
    private static func runtime(prefix: Substring) -> ContainerRuntime? {
        switch prefix {
        case "cri-containerd": .containerd
        case "crio": .crio
        case "docker": .docker
        default: nil
        }
    }

    /// A pod cgroup name: systemd "kubepods[-<qos>]-pod<uid_>.slice" or cgroupfs "pod<uid>"
    /// (QoS from the parent: burstable, besteffort, or kubepods itself for guaranteed).
    static func pod(_ component: Substring, parent: Substring?) -> (uid: String, qos: KubernetesQoSClass?)? {
        if component.hasPrefix("kubepods-"), component.hasSuffix(".slice") {
            let name = component.dropFirst("kubepods-".count).dropLast(".slice".count)
            let qos: KubernetesQoSClass
            let rawUID: Substring
            if name.hasPrefix("pod") {
                qos = .guaranteed
                rawUID = name.dropFirst(3)
            } else if name.hasPrefix("burstable-pod") {
                qos = .burstable
                rawUID = name.dropFirst("burstable-pod".count)
            } else if name.hasPrefix("besteffort-pod") {
                qos = .besteffort
                rawUID = name.dropFirst("besteffort-pod".count)
            } else {
                return nil
            }
            guard let uid = normalizedPodUID(rawUID) else { return nil }
            return (uid, qos)
        }
        if component.hasPrefix("pod"), let uid = normalizedPodUID(component.dropFirst(3)) {
            let qos: KubernetesQoSClass? =
                switch parent {
                case "burstable": .burstable
                case "besteffort": .besteffort
                case "kubepods": .guaranteed
                default: nil
                }
            return (uid, qos)
        }
        return nil
    }

    /// A pod UID with dashes and in lowercase, from either the API form or the systemd
    /// escaped form (underscores). Accepts 36-character UUIDs and 32-hex static pod hashes.
    public static func normalizedPodUID(_ raw: some StringProtocol) -> String? {
        let uid = String(raw).replacingUnderscoresWithDashes().lowercased()
        let hexDigits = uid.filter { $0 != "-" }
        guard hexDigits.count == 32, hexDigits.allSatisfy(\.isHexDigit) else { return nil }
        let dashes = uid.count - hexDigits.count
        guard dashes == 0 || (dashes == 4 && uid.count == 36) else { return nil }
        return uid
    }

    /// Container IDs are lowercase hex, 64 characters for containerd, CRI-O and Docker;
    /// anything from 12 characters on is accepted (short IDs in tests and tools).
    static func isContainerID(_ text: Substring) -> Bool {
        text.count >= 12 && text.count <= 128
            && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

extension String {
    fileprivate func replacingUnderscoresWithDashes() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
