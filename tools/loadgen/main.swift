// tapio-loadgen: simulates N nodes × M containers streaming realistic record mixes to an
// aggregator over real TCP, each node a real FrameSender (handshake, window, acks, resends).
// Prints a JSON summary: what each node sent and had acknowledged, the achieved rate, and
// the acknowledgement latency (frame cut → ACK received).
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TapioNode
import TapioSimulation
import TapioWire

struct Options {
    var aggregator = HostPort(host: "127.0.0.1", port: 7470)
    var tokenFile: String?
    var nodes = 10
    var containers = 20
    var seconds = 10.0
    /// Records per second per node; 0: one simulated second of records per tick.
    var recordsPerSecond = 0
    var threads = 1
    var nodePrefix = "sim"
    var drainSeconds = 30.0
    var output: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(_ flag: String) -> String {
            guard let v = iterator.next() else { fail("\(flag) needs a value") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ flag: String) -> T {
            let text = value(flag)
            guard let v = T(text) else { fail("\(flag) '\(text)' is not a number") }
            return v
        }
        while let argument = iterator.next() {
            switch argument {
            case "--aggregator":
                let text = value(argument)
                guard let address = HostPort(text) else { fail("--aggregator '\(text)' is not HOST:PORT") }
                options.aggregator = address
            case "--token-file": options.tokenFile = value(argument)
            case "--nodes": options.nodes = number(argument)
            case "--containers": options.containers = number(argument)
            case "--seconds": options.seconds = number(argument)
            case "--records-per-second": options.recordsPerSecond = number(argument)
            case "--threads": options.threads = number(argument)
            case "--node-prefix": options.nodePrefix = value(argument)
            case "--drain-seconds": options.drainSeconds = number(argument)
            case "--output": options.output = value(argument)
            case "-h", "--help":
                print("usage: tapio-loadgen --aggregator HOST:PORT [--token-file F] [--nodes N] [--containers M] [--seconds S] [--records-per-second R] [--threads T] [--node-prefix P] [--drain-seconds S] [--output FILE]")
                exit(0)
            default: fail("unknown argument \(argument)")
            }
        }
        guard options.nodes > 0, options.containers > 0, options.seconds > 0, options.threads > 0 else {
            fail("--nodes, --containers, --seconds and --threads must be positive")
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tapio-loadgen: \(message)\n".utf8))
    exit(2)
}

func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// One simulated node's bookkeeping, shared between its producer and the sender callbacks.
final class NodeLedger: Sendable {
    struct State {
        var framesCut: [UInt64: (createdNs: UInt64, records: UInt32)] = [:]
        var recordsSubmitted = 0
        var recordsCut: UInt64 = 0
        var recordsAcked: UInt64 = 0
        var lastAcked: UInt64 = 0
        var lastSequence: UInt64 = 0
        var latenciesNs: [UInt64] = []
    }

    let state = NIOLockedValueBox(State())

    func cut(_ frame: WireFrame) {
        state.withLockedValue {
            $0.framesCut[frame.header.sequence] = (nowNs(), frame.header.count)
            $0.recordsCut += UInt64(frame.header.count)
            $0.lastSequence = max($0.lastSequence, frame.header.sequence)
        }
    }

    func acknowledged(_ sequence: UInt64) {
        let now = nowNs()
        state.withLockedValue { s in
            for (seq, entry) in s.framesCut where seq <= sequence {
                s.latenciesNs.append(now - entry.createdNs)
                s.recordsAcked += UInt64(entry.records)
                s.framesCut.removeValue(forKey: seq)
            }
            s.lastAcked = max(s.lastAcked, sequence)
        }
    }
}

struct Summary: Encodable {
    struct Node: Encodable {
        var node: String
        var epoch: UInt64
        var lastSequence: UInt64
        var lastAcknowledged: UInt64
        var recordsSent: UInt64
        var recordsAcknowledged: UInt64
    }

    var nodes: [Node]
    var totalRecordsSent: UInt64
    var totalRecordsAcknowledged: UInt64
    var seconds: Double
    var recordsPerSecond: Double
    var ackLatencyP50Ms: Double?
    var ackLatencyP99Ms: Double?
    var allAcknowledged: Bool
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let token = try options.tokenFile.map { try SharedToken.read(path: $0) } ?? []
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let quiet: @Sendable (String) -> Void = { line in
    if ProcessInfo.processInfo.environment["TAPIO_LOADGEN_VERBOSE"] != nil {
        FileHandle.standardError.write(Data("tapio-loadgen: \(line)\n".utf8))
    }
}

var senders: [(name: String, sender: FrameSender, epoch: UInt64, ledger: NodeLedger)] = []
for index in 0..<options.nodes {
    let name = "\(options.nodePrefix)-\(index)"
    let ledger = NodeLedger()
    let store = MemoryFrameStore(maxBytes: 256 << 20)
    let sender = FrameSender(
        configuration: .init(host: options.aggregator.host, port: options.aggregator.port, token: token, nodeName: name),
        store: store, batcher: RecordBatcher(lingerNs: 200_000_000), group: group, log: { quiet("\(name): \($0)") },
        onFrame: { ledger.cut($0) }, onAcknowledged: { ledger.acknowledged($0) })
    senders.append((name, sender, store.streamEpoch, ledger))
    sender.start()
}

// Producers: every 100 ms each node submits its share of records, generated from its own mix.
let start = nowNs()
let end = start + UInt64(options.seconds * 1e9)
final class Producer: @unchecked Sendable {
    var mix: RecordMix
    var buffer: [Record] = []
    init(seed: UInt64, containers: Int) { mix = RecordMix(containers: containers, seed: seed) }

    func take(_ count: Int) -> [Record] {
        while buffer.count < count { buffer += mix.nextSecond() }
        let out = Array(buffer.prefix(count))
        buffer.removeFirst(count)
        return out
    }
}
let producers = (0..<options.nodes).map { Producer(seed: UInt64($0 + 1), containers: options.containers) }
let tickNs: UInt64 = 100_000_000
var tick: UInt64 = 0
while nowNs() < end {
    for (index, entry) in senders.enumerated() {
        let producer = producers[index]
        let records: [Record]
        if options.recordsPerSecond > 0 {
            records = producer.take(max(1, options.recordsPerSecond / 10))
        } else if tick % 10 == 0 {
            records = producer.mix.nextSecond()
        } else {
            continue
        }
        entry.ledger.state.withLockedValue { $0.recordsSubmitted += records.count }
        entry.sender.submit(records: records)
    }
    tick += 1
    let next = start + tick * tickNs
    let now = nowNs()
    if next > now { usleep(UInt32((next - now) / 1000)) }
}
let produced = Double(nowNs() - start) / 1e9

// Drain: cut what is pending and wait for every frame to be acknowledged.
for entry in senders { _ = entry.sender.flush() }
let drainDeadline = nowNs() + UInt64(options.drainSeconds * 1e9)
while nowNs() < drainDeadline {
    let pending = senders.contains { entry in
        entry.ledger.state.withLockedValue { $0.lastAcked < $0.lastSequence || $0.recordsCut < UInt64($0.recordsSubmitted) }
    }
    if !pending { break }
    usleep(20_000)
}
let elapsed = Double(nowNs() - start) / 1e9

var nodes: [Summary.Node] = []
var latencies: [UInt64] = []
for entry in senders {
    let s = entry.ledger.state.withLockedValue { $0 }
    latencies += s.latenciesNs
    nodes.append(.init(
        node: entry.name, epoch: entry.epoch, lastSequence: s.lastSequence, lastAcknowledged: s.lastAcked,
        recordsSent: s.recordsCut, recordsAcknowledged: s.recordsAcked))
}
latencies.sort()
func percentile(_ p: Double, of sorted: [UInt64]) -> Double? {
    sorted.isEmpty ? nil : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
}
let sent = nodes.reduce(0) { $0 + $1.recordsSent }
let acked = nodes.reduce(0) { $0 + $1.recordsAcknowledged }
let summary = Summary(
    nodes: nodes, totalRecordsSent: sent, totalRecordsAcknowledged: acked, seconds: elapsed,
    recordsPerSecond: Double(acked) / produced, ackLatencyP50Ms: percentile(0.5, of: latencies), ackLatencyP99Ms: percentile(0.99, of: latencies),
    allAcknowledged: nodes.allSatisfy { $0.lastAcknowledged == $0.lastSequence } && sent == acked)

for entry in senders { await entry.sender.stop(drainFor: .milliseconds(100)) }
try? await group.shutdownGracefully()

let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
let json = try encoder.encode(summary)
if let path = options.output {
    try json.write(to: URL(fileURLWithPath: path))
} else {
    FileHandle.standardOutput.write(json + Data("\n".utf8))
}
exit(summary.allAcknowledged ? 0 : 1)
