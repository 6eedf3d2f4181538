/// The `kind` byte of a record envelope. Values not listed here are skipped by receivers.
public enum RecordKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case memorySample = 1
    case processRSS = 2
    case oomKill = 3
    case processStart = 4
    case processExit = 5
    case containerInfo = 6
    case nodeSample = 7
    case pageActivity = 8
    case lossReport = 9

    public var description: String {
        switch self {
        case .memorySample: "memory-sample"
        case .processRSS: "process-rss"
        case .oomKill: "oom-kill"
        case .processStart: "process-start"
        case .processExit: "process-exit"
        case .containerInfo: "container-info"
        case .nodeSample: "node-sample"
        case .pageActivity: "page-activity"
        case .lossReport: "loss-report"
        }
    }
}
