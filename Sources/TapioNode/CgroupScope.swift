import TapioWire

/// The memory cgroups an exporter limited to subtrees (`--cgroup-subtree`) watches, by id (the
/// cgroup directory's inode, which is what the BPF programs report). The programs see the
/// whole node; records about other cgroups are dropped here so a scoped exporter reports only
/// its own cgroups' processes and kills.
struct CgroupScope {
    private var current: Set<UInt64> = []
    /// The round before: a cgroup removed right after its OOM kill (runtimes clean up fast)
    /// still owns the kill record that arrives a moment later.
    private var previous: Set<UInt64> = []

    /// The ids found by a sampling round or a fresh listing.
    mutating func update(_ ids: Set<UInt64>) {
        if ids != current {
            previous = current
            current = ids
        }
    }

    func contains(_ id: UInt64) -> Bool { current.contains(id) || previous.contains(id) }

    /// Keeps records about watched cgroups and those about no cgroup (node samples, loss);
    /// `unknownKill` says an OOM kill named a cgroup not (yet) known, which is worth a fresh
    /// listing: a container can start and die between two sampling rounds.
    func filter(_ records: [Record]) -> (kept: [Record], unknownKill: Bool) {
        var kept: [Record] = []
        kept.reserveCapacity(records.count)
        var unknownKill = false
        for record in records {
            guard let id = record.cgroupId, !contains(id) else {
                kept.append(record)
                continue
            }
            if case .oomKill = record.body { unknownKill = true }
        }
        return (kept, unknownKill)
    }
}
