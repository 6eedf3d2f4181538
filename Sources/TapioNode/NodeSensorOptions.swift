/// What the node sensor watches and how often.
public struct NodeSensorOptions: Sendable {
    /// Root of the cgroup filesystem ("/sys/fs/cgroup"); v1 or v2 is detected below it.
    public var cgroupRoot: String
    /// Cgroup subtrees to sample, relative to the memory hierarchy ("/" = every cgroup).
    public var cgroupSubtrees: [String]
    public var procRoot: String
    /// How often cgroups, the node and the kernel counters are read.
    public var sampleIntervalNs: UInt64
    /// Container info is sent again this often even when unchanged, so a fresh aggregator
    /// learns names without waiting for a change.
    public var containerInfoRefreshNs: UInt64
    public var probe: BPFProbeOptions
    /// When the kmem:rss_stat program is attached (per-process RSS); see `RSSDutyCycle`.
    public var rssDutyCycle: RSSDutyCycle
    /// Run without the BPF programs (cgroup and node sampling only), e.g. without CAP_BPF.
    public var withoutBPF: Bool

    public init(
        cgroupRoot: String = "/sys/fs/cgroup", cgroupSubtrees: [String] = ["/"], procRoot: String = "/proc",
        sampleIntervalNs: UInt64 = 1_000_000_000, containerInfoRefreshNs: UInt64 = 300_000_000_000,
        probe: BPFProbeOptions = BPFProbeOptions(), rssDutyCycle: RSSDutyCycle = .standard, withoutBPF: Bool = false
    ) {
        self.cgroupRoot = cgroupRoot
        self.cgroupSubtrees = cgroupSubtrees
        self.procRoot = procRoot
        self.sampleIntervalNs = sampleIntervalNs
        self.containerInfoRefreshNs = containerInfoRefreshNs
        self.probe = probe
        self.rssDutyCycle = rssDutyCycle
        self.withoutBPF = withoutBPF
    }
}
