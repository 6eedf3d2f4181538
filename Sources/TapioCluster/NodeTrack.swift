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
    /// Command names of live processes, to name top processes (bounded, see `ProcessNames`).
    public var commands = ProcessNames()
    public var losses: [LossReport.Source: UInt64] = [:]

    public init(name: String, configuration: PredictorConfiguration) {
        self.name = name
        predictor = NodePredictor(configuration: configuration)
    }
}
