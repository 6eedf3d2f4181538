/// The container runtime that created a cgroup, as far as the cgroup path (or the kubelet's
/// `containerID` scheme) tells.
public enum ContainerRuntime: String, Sendable, Equatable, CaseIterable {
    case containerd
    case crio = "cri-o"
    case docker
    /// Not a container (a pod cgroup, a systemd service, the root, ...).
    case none
    /// A container, but the path does not say which runtime: with the cgroupfs driver,
    /// containerd and Docker both name the directory by the bare container ID. The kubelet's
    /// `containerID` ("containerd://…") fills it in when available.
    case unknown

    /// From the scheme of a kubelet containerID ("containerd://", "cri-o://", "docker://").
    public init?(containerIDScheme scheme: String) {
        switch scheme {
        case "containerd": self = .containerd
        case "cri-o", "crio": self = .crio
        case "docker": self = .docker
        default: return nil
        }
    }
}
