import TapioPredict
import TapioWire

/// What the aggregator knows about one memory cgroup on one node: identity, latest reading,
/// its predictor, and the alert episode it is in. Kept small: fleets track 100k of these, so
/// the configuration is shared, the assessment is kept once (by the predictor), the sample
/// is kept only as far as it is shown, and what is rare or large (names, the last kill) lives
/// behind a reference; names share their repeated text across containers (`ContainerNames`).
public struct ContainerTrack: Sendable {
    /// The figures of the latest memory sample that the API and alerts show.
    public struct Reading: Sendable, Equatable {
        public var usageBytes: UInt64
        public var inactiveFileBytes: UInt64
        public var effectiveLimitBytes: UInt64?

        public init(_ sample: MemorySample) {
            usageBytes = sample.usageBytes
            inactiveFileBytes = sample.inactiveFileBytes
            effectiveLimitBytes = sample.effectiveLimitBytes
        }
    }

    /// The last OOM kill of this container and how it was scored.
    public struct LastKill: Sendable {
        public var kill: OOMKill
        public var atNs: UInt64
        public var score: AlertEvent.KillScore
    }

    /// Immutable out-of-line storage: replaced, never mutated, so copies of a track share it.
    private final class Box<Value: Sendable>: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Everything the track holds, kept out of line: a dictionary of tracks then holds one
    /// reference per bucket instead of the whole track, and its empty buckets (up to half of
    /// them) cost 8 bytes each, not 600.
    private struct Fields: Sendable {
        var cgroupId: UInt64
        var names: ContainerNames?
        var latest: Reading?
        var latestAtNs: UInt64 = 0
        var predictor: ContainerPredictor
        var episode: AlertEpisode?
        var topProcess: (pid: UInt32, residentBytes: UInt64)?
        var oomKills: UInt64 = 0
        var lastKill: Box<LastKill>?
        var pagesAllocated: UInt64 = 0
        var pagesFreed: UInt64 = 0
    }

    /// Copy on write: a track is a value like any struct.
    private final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
        return storage
    }

    public init(cgroupId: UInt64, configuration: PredictorConfiguration) {
        self.init(cgroupId: cgroupId, predictor: ContainerPredictor(configuration: configuration))
    }

    /// `predictor` is usually `template.fresh()`, so that tracks share one configuration.
    public init(cgroupId: UInt64, predictor: ContainerPredictor) {
        storage = Storage(Fields(cgroupId: cgroupId, predictor: predictor))
    }

    public var cgroupId: UInt64 {
        get { storage.fields.cgroupId }
        set { unique().fields.cgroupId = newValue }
    }

    /// Names from the node's resolver and the kubelet, without the container id and pod UID
    /// (see `ContainerNames`).
    public var info: ContainerInfo? { storage.fields.names?.info(cgroupId: cgroupId) }

    /// The names as kept; read these rather than `info`, which rebuilds the whole record.
    var names: ContainerNames? { storage.fields.names }

    mutating func setNames(_ info: ContainerInfo, interner: inout NameInterner) {
        unique().fields.names = ContainerNames.make(info, interner: &interner)
    }

    public var latest: Reading? {
        get { storage.fields.latest }
        set { unique().fields.latest = newValue }
    }

    public var latestAtNs: UInt64 {
        get { storage.fields.latestAtNs }
        set { unique().fields.latestAtNs = newValue }
    }

    /// Mutated in place on every sample (no copy of the predictor).
    public var predictor: ContainerPredictor {
        get { storage.fields.predictor }
        _modify { yield &unique().fields.predictor }
    }

    public var episode: AlertEpisode? {
        get { storage.fields.episode }
        set { unique().fields.episode = newValue }
    }

    /// The process with the largest resident memory seen last in this cgroup.
    public var topProcess: (pid: UInt32, residentBytes: UInt64)? {
        get { storage.fields.topProcess }
        set { unique().fields.topProcess = newValue }
    }

    public var oomKills: UInt64 {
        get { storage.fields.oomKills }
        set { unique().fields.oomKills = newValue }
    }

    public var lastKill: LastKill? {
        get { storage.fields.lastKill?.value }
        set { unique().fields.lastKill = newValue.map(Box.init) }
    }

    public var lastKillScore: AlertEvent.KillScore? { lastKill?.score }

    public var pagesAllocated: UInt64 {
        get { storage.fields.pagesAllocated }
        set { unique().fields.pagesAllocated = newValue }
    }

    public var pagesFreed: UInt64 {
        get { storage.fields.pagesFreed }
        set { unique().fields.pagesFreed = newValue }
    }

    /// The predictor's latest assessment (nil before the first sample and after a kill).
    public var assessment: Assessment? { storage.fields.predictor.lastAssessment }

    /// Usage minus inactive page cache: what reclaim cannot easily give back.
    public var workingSetBytes: UInt64? {
        latest.map { $0.usageBytes > $0.inactiveFileBytes ? $0.usageBytes - $0.inactiveFileBytes : 0 }
    }

    public var state: AlertState { assessment?.state ?? .healthy }

    /// A name for people: namespace/workload for pods, else the resolver's label, else the id.
    public var displayName: String {
        if let names {
            if !names.namespace.isEmpty, !names.workload.isEmpty { return "\(names.namespace)/\(names.workload)" }
            if !names.namespace.isEmpty, names.hasPodName { return "\(names.namespace)/\(names.podName)" }
            if !names.label.isEmpty { return names.label }
            let path = names.cgroupPath
            if !path.isEmpty { return path }
        }
        return "cgroup-\(cgroupId)"
    }

    /// "namespace/workload" when the container belongs to one, for cluster-wide grouping.
    public var workloadKey: String? {
        guard let names, !names.workload.isEmpty else { return nil }
        return names.namespace.isEmpty ? names.workload : "\(names.namespace)/\(names.workload)"
    }
}
