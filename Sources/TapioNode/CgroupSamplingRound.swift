/// The result of sampling a set of cgroups once: a sample per readable cgroup and a typed
/// error per cgroup that could not be read. One failing cgroup never hides the others.
public struct CgroupSamplingRound: Sendable, Equatable {
    /// Wall-clock time (CLOCK_REALTIME, nanoseconds since the UNIX epoch) when the round began.
    public var timestampNanoseconds: UInt64
    public var samples: [CgroupMemorySample]
    public var errors: [CgroupReadError]

    public init(timestampNanoseconds: UInt64, samples: [CgroupMemorySample], errors: [CgroupReadError]) {
        self.timestampNanoseconds = timestampNanoseconds
        self.samples = samples
        self.errors = errors
    }
}
