/// A pod's quality-of-service class, which decides the kubelet cgroup it lives in
/// (guaranteed pods directly below kubepods, the others below kubepods/burstable or
/// kubepods/besteffort) and its OOM score.
public enum KubernetesQoSClass: String, Sendable, Equatable, CaseIterable {
    case guaranteed
    case burstable
    case besteffort

    /// From the pod status string ("Guaranteed", "Burstable", "BestEffort").
    public init?(kubernetes value: String) {
        switch value.lowercased() {
        case "guaranteed": self = .guaranteed
        case "burstable": self = .burstable
        case "besteffort": self = .besteffort
        default: return nil
        }
    }

    /// The spelling Kubernetes uses in pod status.
    public var kubernetesName: String {
        switch self {
        case .guaranteed: "Guaranteed"
        case .burstable: "Burstable"
        case .besteffort: "BestEffort"
        }
    }
}
