import Foundation

/// The kubelet's `/pods` response: a core/v1 PodList with the pods bound to this node.
/// Only the fields Tapio uses are decoded; everything else is ignored, and every field that
/// Kubernetes may omit is optional, so a pod with an unusual shape never fails the list.
public struct KubeletPodList: Sendable, Equatable, Decodable {
    public var items: [Pod]

    public init(items: [Pod]) {
        self.items = items
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // The kubelet writes "items": null for a node without pods.
        items = try container.decodeIfPresent([Pod].self, forKey: .items) ?? []
    }

    private enum CodingKeys: String, CodingKey { case items }

    /// Decodes the JSON body of GET /pods.
    public static func decode(_ data: Data) throws(DecodingFailure) -> KubeletPodList {
        do {
            return try JSONDecoder().decode(KubeletPodList.self, from: data)
        } catch let error as DecodingError {
            throw DecodingFailure(message: Self.describe(error))
        } catch {
            throw DecodingFailure(message: "\(error)")
        }
    }

    /// Why a /pods body could not be decoded, in one line.
    public struct DecodingFailure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public struct Pod: Sendable, Equatable, Decodable {
        public var metadata: Metadata
        public var spec: Spec?
        public var status: Status?

        public init(metadata: Metadata, spec: Spec? = nil, status: Status? = nil) {
            self.metadata = metadata
            self.spec = spec
            self.status = status
        }
    }

    public struct Metadata: Sendable, Equatable, Decodable {
        public var name: String
        public var namespace: String?
        public var uid: String
        public var ownerReferences: [OwnerReference]?

        public init(name: String, namespace: String?, uid: String, ownerReferences: [OwnerReference]? = nil) {
            self.name = name
            self.namespace = namespace
            self.uid = uid
            self.ownerReferences = ownerReferences
        }

        /// The controlling owner (controller: true), else the first one.
        public var controller: OwnerReference? {
            ownerReferences?.first(where: { $0.controller == true }) ?? ownerReferences?.first
        }
    }

    public struct OwnerReference: Sendable, Equatable, Decodable {
        public var kind: String
        public var name: String
        public var controller: Bool?
    }

    public struct Spec: Sendable, Equatable, Decodable {
        public var containers: [Container]
        public var initContainers: [Container]?
    }

    public struct Container: Sendable, Equatable, Decodable {
        public var name: String
        public var resources: Resources?

        /// `resources.limits.memory` in bytes, nil when there is none.
        public var memoryLimitBytes: UInt64? { resources?.limits?["memory"]?.bytes }
    }

    public struct Resources: Sendable, Equatable, Decodable {
        public var limits: [String: KubernetesQuantity]?
        public var requests: [String: KubernetesQuantity]?
    }

    public struct Status: Sendable, Equatable, Decodable {
        public var phase: String?
        public var qosClass: String?
        public var containerStatuses: [ContainerStatus]?
        public var initContainerStatuses: [ContainerStatus]?
    }

    public struct ContainerStatus: Sendable, Equatable, Decodable {
        public var name: String
        /// "<runtime>://<id>", e.g. "containerd://3f1c…"; absent while the container is
        /// being created.
        public var containerID: String?
        public var restartCount: Int?
        public var state: ContainerState?
        public var lastState: ContainerState?

        /// The runtime and bare ID from `containerID`.
        public var parsedContainerID: (runtime: ContainerRuntime?, id: String)? {
            guard let containerID, !containerID.isEmpty else { return nil }
            guard let range = containerID.range(of: "://") else { return (nil, containerID.lowercased()) }
            let scheme = String(containerID[..<range.lowerBound])
            return (ContainerRuntime(containerIDScheme: scheme), String(containerID[range.upperBound...]).lowercased())
        }
    }

    public struct ContainerState: Sendable, Equatable, Decodable {
        public var terminated: Terminated?
    }

    public struct Terminated: Sendable, Equatable, Decodable {
        /// "OOMKilled", "Error", "Completed", ...
        public var reason: String?
        public var exitCode: Int?
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
            return components.isEmpty ? "top level" : components.joined()
        }
        switch error {
        case .dataCorrupted(let context):
            return "invalid JSON at \(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(let type, let context):
            return "wrong type at \(path(context)) (expected \(type))"
        case .valueNotFound(let type, let context):
            return "null at \(path(context)) (expected \(type))"
        @unknown default:
            return "\(error)"
        }
    }
}
