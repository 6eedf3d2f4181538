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

        init(usageBytes: UInt64, inactiveFileBytes: UInt64, effectiveLimitBytes: UInt64?) {
            self.usageBytes = usageBytes
            self.inactiveFileBytes = inactiveFileBytes
            self.effectiveLimitBytes = effectiveLimitBytes
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

    /// Which of the optional fields hold a value.
    private struct Present: OptionSet, Sendable {
        let rawValue: UInt8
        static let latest = Present(rawValue: 1 << 0)
        static let latestLimit = Present(rawValue: 1 << 1)
        static let episode = Present(rawValue: 1 << 2)
        static let predictedKill = Present(rawValue: 1 << 3)
        static let topProcess = Present(rawValue: 1 << 4)
    }

    /// Everything the track holds, kept out of line: a dictionary of tracks then holds one
    /// reference per bucket instead of the whole track, and its empty buckets (up to half of
    /// them) cost 8 bytes each, not 450. The optionals (latest reading, episode, top process)
    /// are flattened, their presence in one byte of flags: each optional would otherwise pad
    /// its tag to 8 bytes.
    private struct Fields: Sendable {
        var cgroupId: UInt64
        var names: ContainerNames?
        var latestAtNs: UInt64 = 0
        var latestUsageBytes: UInt64 = 0
        var latestInactiveFileBytes: UInt64 = 0
        var latestLimitBytes: UInt64 = 0
        var predictor: ContainerPredictor
        var episodeStartedNs: UInt64 = 0
        var episodePredictedKillNs: UInt64 = 0
        var topProcessResidentBytes: UInt64 = 0
        var oomKills: UInt64 = 0
        var lastKill: Box<LastKill>?
        var topProcessPid: UInt32 = 0
        var episodePeak: AlertEvent.Severity = .info
        var present: Present = []

        init(cgroupId: UInt64, predictor: ContainerPredictor) {
            self.cgroupId = cgroupId
            self.predictor = predictor
        }
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
        get {
            // Field by field: `let fields = storage.fields` would copy the whole track (the
            // predictor and names included, with their retains) to read a few numbers.
            let storage = storage
            guard storage.fields.present.contains(.latest) else { return nil }
            return Reading(
                usageBytes: storage.fields.latestUsageBytes, inactiveFileBytes: storage.fields.latestInactiveFileBytes,
                effectiveLimitBytes: storage.fields.present.contains(.latestLimit) ? storage.fields.latestLimitBytes : nil)
        }
        set {
            let storage = unique()
            storage.fields.present.subtract([.latest, .latestLimit])
            guard let newValue else { return }
            storage.fields.present.insert(.latest)
            storage.fields.latestUsageBytes = newValue.usageBytes
            storage.fields.latestInactiveFileBytes = newValue.inactiveFileBytes
            if let limit = newValue.effectiveLimitBytes {
                storage.fields.latestLimitBytes = limit
                storage.fields.present.insert(.latestLimit)
            }
        }
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
        get {
            let storage = storage
            guard storage.fields.present.contains(.episode) else { return nil }
            return AlertEpisode(
                startedNs: storage.fields.episodeStartedNs,
                predictedKillNs: storage.fields.present.contains(.predictedKill) ? storage.fields.episodePredictedKillNs : nil,
                peak: storage.fields.episodePeak)
        }
        set {
            let storage = unique()
            storage.fields.present.subtract([.episode, .predictedKill])
            guard let newValue else { return }
            storage.fields.present.insert(.episode)
            storage.fields.episodeStartedNs = newValue.startedNs
            storage.fields.episodePeak = newValue.peak
            if let predicted = newValue.predictedKillNs {
                storage.fields.episodePredictedKillNs = predicted
                storage.fields.present.insert(.predictedKill)
            }
        }
    }

    /// The process with the largest resident memory seen last in this cgroup.
    public var topProcess: (pid: UInt32, residentBytes: UInt64)? {
        get {
            let storage = storage
            return storage.fields.present.contains(.topProcess) ? (storage.fields.topProcessPid, storage.fields.topProcessResidentBytes) : nil
        }
        set {
            let storage = unique()
            storage.fields.present.remove(.topProcess)
            guard let newValue else { return }
            storage.fields.present.insert(.topProcess)
            storage.fields.topProcessPid = newValue.pid
            storage.fields.topProcessResidentBytes = newValue.residentBytes
        }
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
