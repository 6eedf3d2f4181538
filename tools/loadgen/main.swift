// tapio-loadgen: simulates N nodes × M containers streaming realistic record mixes to an
// aggregator over real TCP, each node a real FrameSender (handshake, window, acks, resends).
// Prints a JSON summary: what each node sent and had acknowledged, the achieved rate, and
// the acknowledgement latency (frame cut → ACK received). Every node connects before any
// record is produced; nodes submit at their own phases, not in lockstep.
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
    /// Frames cut in the first seconds of production are left out of the latency percentiles
    /// (first-time allocations on both sides); the all-frames p99 is reported too.
    var warmUpSeconds = 0.0
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
            case "--warm-up-seconds": options.warmUpSeconds = number(argument)
            case "--output": options.output = value(argument)
            case "-h", "--help":
                print("usage: tapio-loadgen --aggregator HOST:PORT [--token-file F] [--nodes N] [--containers M] [--seconds S] [--records-per-second R] [--threads T] [--node-prefix P] [--drain-seconds S] [--warm-up-seconds S] [--output FILE]")
                exit(0)
            default: fail("unknown argument \(argument)")
            }
        }
        guard options.nodes > 0, options.containers > 0, options.seconds > 0, options.threads > 0 else {
            fail("--nodes, --containers, --seconds and --threads must be positive")
        }
        guard options.warmUpSeconds >= 0, options.warmUpSeconds < options.seconds else {
            fail("--warm-up-seconds must be at least 0 and less than --seconds")
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
        /// Per acknowledged frame: when it was cut, and how long until its ACK.
        var latencies: [(cutNs: UInt64, ns: UInt64)] = []
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
            // ACKs are cumulative: the frames newly covered are those after the last ACK.
            guard sequence > s.lastAcked else { return }
            for seq in (s.lastAcked + 1)...sequence {
                guard let entry = s.framesCut[seq] else { continue }
                s.latencies.append((entry.createdNs, now - entry.createdNs))
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
    /// Over frames cut after the warm-up.
    var ackLatencyP50Ms: Double?
    var ackLatencyP99Ms: Double?
    /// Over every frame, warm-up and drain included.
    var ackLatencyP99AllFramesMs: Double?
    var ackLatencyMaxMs: Double?
    /// Per second of the run (by when frames were cut): p50 and p99, to see when latency grew.
    var ackLatencyBySecond: [[Double]]
    var warmUpSeconds: Double
    /// Time for every node to connect and complete its handshake, before any record.
    var connectSeconds: Double
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

let lingerNs: UInt64 = 200_000_000
var senders: [(name: String, sender: FrameSender, epoch: UInt64, ledger: NodeLedger)] = []
for index in 0..<options.nodes {
    let name = "\(options.nodePrefix)-\(index)"
    let ledger = NodeLedger()
    let store = MemoryFrameStore(maxBytes: 256 << 20)
    let sender = FrameSender(
        configuration: .init(host: options.aggregator.host, port: options.aggregator.port, token: token, nodeName: name),
        store: store, batcher: RecordBatcher(lingerNs: lingerNs), group: group, log: { quiet("\(name): \($0)") },
        onFrame: { ledger.cut($0) }, onAcknowledged: { ledger.acknowledged($0) })
    senders.append((name, sender, store.streamEpoch, ledger))
    sender.start()
}

// Latency is measured on a connected fleet: frames cut while a node is still connecting
// would time the handshake, not the acknowledgement. Every node connects first.
let connectStart = nowNs()
let connectDeadline = connectStart + 60_000_000_000
while nowNs() < connectDeadline {
    var connected = 0
    for entry in senders where (try? await entry.sender.status().get())?.connected == true { connected += 1 }
    if connected == senders.count { break }
    usleep(50_000)
}
let connectSeconds = Double(nowNs() - connectStart) / 1e9

// Producers: every 100 ms each node submits its share of records, generated from its own mix.
let start = nowNs()
let end = start + UInt64(options.seconds * 1e9)
final class Producer: @unchecked Sendable {
    var mix: RecordMix
    /// Records generated and not yet submitted; first each container's identity.
    var buffer: [Record]
    init(node: Int, containers: Int) {
        mix = RecordMix(containers: containers, seed: UInt64(node + 1))
        buffer = mix.containerInfos(node: node)
    }

    /// The records of the next simulated second (after the identities, the first time).
    func nextSecond() -> [Record] {
        defer {
            buffer = []
            cursor = 0
        }
        return Array(buffer[cursor...]) + mix.nextSecond()
    }

    /// Next record of `buffer` to hand out.
    var cursor = 0

    /// The next `count` records; each is copied once (records are large values).
    func take(_ count: Int) -> [Record] {
        var out: [Record] = []
        out.reserveCapacity(count)
        while out.count < count {
            if cursor == buffer.count {
                buffer = mix.nextSecond()
                cursor = 0
            }
            let n = min(count - out.count, buffer.count - cursor)
            out.append(contentsOf: buffer[cursor..<(cursor + n)])
            cursor += n
        }
        return out
    }
}
let producers = (0..<options.nodes).map { Producer(node: $0, containers: options.containers) }
// This thread stands in for the nodes' kernels and samplers, which run on other machines: on
// a machine shared with the aggregator it yields to it and to the simulated exporters' event
// loops (Linux nice is per thread; the event loops keep the default). The rate it reaches is
// reported as records sent.
setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
// Real nodes are not phase-locked: each node gets its own phase, one of `slicesPerTick`
// slots of the 100 ms tick (and, for whole simulated seconds, of the 1 s period), so the
// fleet's submissions, frame cuts and ACKs are spread in time instead of arriving as one
// burst of every node at once.
let tickNs: UInt64 = 100_000_000
let slicesPerTick: UInt64 = 20
let sliceNs = tickNs / slicesPerTick
var slice: UInt64 = 0
while nowNs() < end {
    let tick = slice / slicesPerTick
    for index in stride(from: Int(slice % slicesPerTick), to: senders.count, by: Int(slicesPerTick)) {
        let entry = senders[index]
        let producer = producers[index]
        let records: [Record]
        if options.recordsPerSecond > 0 {
            records = producer.take(max(1, options.recordsPerSecond / 10))
        } else if tick % 10 == UInt64(index / Int(slicesPerTick)) % 10 {
            records = producer.nextSecond()
        } else {
            continue
        }
        entry.ledger.state.withLockedValue { $0.recordsSubmitted += records.count }
        entry.sender.submit(records: records)
    }
    slice += 1
    let next = start + slice * sliceNs
    let now = nowNs()
    if next > now { usleep(UInt32((next - now) / 1000)) }
}
let produced = Double(nowNs() - start) / 1e9

// Drain: the last records are cut by their own linger timers, at each node's own phase (a
// forced flush of every node at once would be a burst no fleet produces); then anything
// still pending is cut, and every frame must be acknowledged.
usleep(UInt32(lingerNs / 1000) + 50_000)
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
var steadyLatencies: [UInt64] = []
var bySecond: [[UInt64]] = []
let warmUpEnd = start + UInt64(options.warmUpSeconds * 1e9)
for entry in senders {
    let s = entry.ledger.state.withLockedValue { $0 }
    for latency in s.latencies {
        latencies.append(latency.ns)
        if latency.cutNs >= warmUpEnd { steadyLatencies.append(latency.ns) }
        let second = Int((latency.cutNs &- start) / 1_000_000_000)
        if latency.cutNs >= start, second < 3600 {
            while bySecond.count <= second { bySecond.append([]) }
            bySecond[second].append(latency.ns)
        }
    }
    nodes.append(.init(
        node: entry.name, epoch: entry.epoch, lastSequence: s.lastSequence, lastAcknowledged: s.lastAcked,
        recordsSent: s.recordsCut, recordsAcknowledged: s.recordsAcked))
}
latencies.sort()
steadyLatencies.sort()
func percentile(_ p: Double, of sorted: [UInt64]) -> Double? {
    sorted.isEmpty ? nil : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
}
let sent = nodes.reduce(0) { $0 + $1.recordsSent }
let acked = nodes.reduce(0) { $0 + $1.recordsAcknowledged }
let summary = Summary(
    nodes: nodes, totalRecordsSent: sent, totalRecordsAcknowledged: acked, seconds: elapsed,
    recordsPerSecond: Double(acked) / produced, ackLatencyP50Ms: percentile(0.5, of: steadyLatencies),
    ackLatencyP99Ms: percentile(0.99, of: steadyLatencies), ackLatencyP99AllFramesMs: percentile(0.99, of: latencies),
    ackLatencyMaxMs: latencies.last.map { Double($0) / 1e6 },
    ackLatencyBySecond: bySecond.map { second in
        let sorted = second.sorted()
        return [percentile(0.5, of: sorted) ?? 0, percentile(0.99, of: sorted) ?? 0]
    },
    warmUpSeconds: options.warmUpSeconds, connectSeconds: connectSeconds,
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
