/// Shares the text of names that repeat across containers (namespaces, container and
/// workload names, pod phases, a ReplicaSet's pod-name prefix, cgroup path shapes): every
/// container holding "payments-production" points at one copy instead of its own 50-byte heap
/// string. A cache, not an owner: past `capacity` entries it starts afresh, and containers keep
/// the copies they hold, so it stays bounded however many names a fleet goes through.
struct NameInterner: Sendable {
    static let defaultCapacity = 65_536
    /// Swift keeps strings of up to 15 UTF-8 bytes inline, with no heap to share.
    private static let inlineBytes = 15

    let capacity: Int
    private var names: Set<String> = []
    private var shapes: Set<TextShape> = []

    init(capacity: Int = NameInterner.defaultCapacity) {
        self.capacity = capacity
    }

    /// Names and shapes held.
    var count: Int { names.count + shapes.count }

    mutating func intern(_ name: String) -> String {
        guard name.utf8.count > Self.inlineBytes else { return name }
        if let index = names.firstIndex(of: name) { return names[index] }
        if names.count >= capacity { names.removeAll() }
        names.insert(name)
        return name
    }

    mutating func intern(_ shape: TextShape) -> TextShape {
        if let index = shapes.firstIndex(of: shape) { return shapes[index] }
        if shapes.count >= capacity { shapes.removeAll() }
        shapes.insert(shape)
        return shape
    }
}
