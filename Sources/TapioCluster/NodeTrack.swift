import TapioPredict
import TapioWire

/// What the aggregator knows about one node: its memory and predictor, its containers, its
/// processes' names.
public struct NodeTrack: Sendable {
    public var name: String
    public var latest: NodeSample?
    public var latestAtNs: UInt64 = 0
    public var predictor: NodePredictor
    public var assessment: Assessment?
    public var containers: [UInt64: ContainerTrack] = [:]
    /// Command names of live processes (from process-start records), to name top processes
    /// and kill victims. Bounded: entries leave on exit, and the map is capped.
    public var commands: [UInt32: String] = [:]
    public var losses: [LossReport.Source: UInt64] = [:]

    public static let maxTrackedProcesses = 65_536

    public init(name: String, configuration: PredictorConfiguration) {
        self.name = name
        predictor = NodePredictor(configuration: configuration)
    }
}
