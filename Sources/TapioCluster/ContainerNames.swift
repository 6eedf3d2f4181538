import TapioWire

/// A container's names as the aggregator keeps them: one allocation holding the names that
/// repeat across containers as shared (interned) strings, the pod name as its interned prefix
/// and a short (inline) suffix, and the cgroup path as an interned shape with its hex digits
/// packed in the tail. About 210 bytes of heap for a Kubernetes container whose
/// `ContainerInfo` took 530. The container id and pod UID are not kept: nothing shows them
/// (the cgroup path holds both). Immutable: a change of names makes a new object, so it is
/// safe to share across threads.
struct ContainerNames: @unchecked Sendable {
    /// The digits of the cgroup path follow the header in the same allocation.
    private final class Storage: ManagedBuffer<Header, UInt8> {}

    struct Header {
        var runtime: ContainerInfo.Runtime
        var qosClass: ContainerInfo.QoSClass
        var specLimitBytes: UInt64?
        var pathShape: TextShape
        var namespace: String
        var containerName: String
        var workload: String
        var podPhase: String
        var label: String
        /// The pod name up to and including its last "-" (a ReplicaSet's pods share it), and the rest.
        var podNamePrefix: String
        var podNameSuffix: String
    }

    static func make(_ info: ContainerInfo, interner: inout NameInterner) -> ContainerNames {
        let (shape, packed) = TextShape.split(info.cgroupPath)
        let podName = info.podName.utf8
        let cut = podName.lastIndex(of: UInt8(ascii: "-")).map { podName.index(after: $0) } ?? podName.startIndex
        let header = Header(
            runtime: info.runtime, qosClass: info.qosClass, specLimitBytes: info.specLimitBytes,
            pathShape: interner.intern(shape), namespace: interner.intern(info.namespace),
            containerName: interner.intern(info.containerName), workload: interner.intern(info.workload),
            podPhase: interner.intern(info.podPhase), label: info.label,
            podNamePrefix: interner.intern(String(info.podName[..<cut])), podNameSuffix: String(info.podName[cut...]))
        let buffer = Storage.create(minimumCapacity: packed.count) { _ in header }
        buffer.withUnsafeMutablePointerToElements { elements in
            _ = UnsafeMutableBufferPointer(start: elements, count: packed.count).initialize(from: packed)
        }
        return ContainerNames(storage: unsafeDowncast(buffer, to: Storage.self))
    }

    private let storage: Storage
    private var header: Header { storage.header }

    var pathShape: TextShape { header.pathShape }

    var namespace: String { header.namespace }
    var containerName: String { header.containerName }
    var workload: String { header.workload }
    var podPhase: String { header.podPhase }
    var label: String { header.label }
    var specLimitBytes: UInt64? { header.specLimitBytes }
    var podName: String { header.podNamePrefix + header.podNameSuffix }
    var hasPodName: Bool { !header.podNamePrefix.isEmpty || !header.podNameSuffix.isEmpty }

    var cgroupPath: String {
        let shape = header.pathShape
        return storage.withUnsafeMutablePointerToElements { elements in
            shape.render(UnsafeBufferPointer(start: elements, count: shape.packedByteCount))
        }
    }

    /// The names as the record announced them, without the container id and pod UID.
    func info(cgroupId: UInt64) -> ContainerInfo {
        ContainerInfo(
            cgroupId: cgroupId, runtime: header.runtime, qosClass: header.qosClass, specLimitBytes: header.specLimitBytes,
            cgroupPath: cgroupPath, podName: podName, namespace: namespace, containerName: containerName,
            workload: workload, podPhase: podPhase, label: label)
    }
}
