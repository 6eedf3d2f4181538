import ArgumentParser
import Foundation
import Synchronization
import TapioNode
import TapioWire

/// Set by SIGINT/SIGTERM; the sensor loop checks it between polls.
let stopRequested = Atomic<Bool>(false)

@main
struct ExporterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tapio-exporter",
        abstract: "Reads kernel memory events (eBPF) and cgroup memory on this node and streams them to a tapio-aggregator.",
        discussion: """
            Needs root (or CAP_BPF + CAP_PERFMON and read access to /sys/fs/cgroup and /proc).
            With --print, every record is written to stdout as one JSON line instead.
            """)

    @Flag(help: "Print every record as one JSON line on stdout.")
    var print = false

    @Option(help: "Aggregator to stream to, HOST:PORT.")
    var aggregator: String?

    @Option(help: "This node's name (default: the host name).")
    var node: String?

    @Option(help: "File holding the shared token (surrounding white space is ignored).")
    var tokenFile: String?

    @Option(help: "Append every frame sent to this dump file.")
    var record: String?

    @Option(help: "Keep unacknowledged frames in this directory (survives restarts).")
    var spoolDir: String?

    @Option(help: "Disk budget of the spool; the oldest frames are dropped (and reported) beyond it.")
    var spoolMaxBytes: Int = 256 << 20

    @Option(help: "Memory budget for unacknowledged frames when there is no spool.")
    var windowMaxBytes: Int = 64 << 20

    @Option(help: "Root of the cgroup filesystem.")
    var cgroupRoot = "/sys/fs/cgroup"

    @Option(help: "Cgroup subtree to sample (repeatable; default: every memory cgroup).")
    var cgroupSubtree: [String] = []

    @Option(help: "Seconds between cgroup and node samples.")
    var sampleInterval: Double = 1

    @Option(help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    var duration: Double?

    @Option(help: "Kubelet base URL for pod names, e.g. https://127.0.0.1:10250.")
    var kubeletURL: String?

    @Option(help: "Bearer token file for the kubelet.")
    var kubeletTokenFile: String?

    @Option(help: "PEM CA file that signed the kubelet's serving certificate (often /var/run/secrets/kubernetes.io/serviceaccount/ca.crt); default: the system trust store.")
    var kubeletCaFile: String?

    @Flag(help: "Accept any kubelet certificate (self-signed kubelet serving certificates).")
    var kubeletInsecureSkipTlsVerify = false

    @Flag(help: "Sample cgroups and the node only, without the BPF programs.")
    var withoutBPF = false

    @Option(help: "BPF ring buffer size in bytes (a power of two, at least 4096).")
    var ringBufferBytes: UInt32 = 512 * 1024

    @Flag(help: "Also count page allocations and frees per cgroup in the kernel (costs page-fault-heavy workloads; see bench/node.md).")
    var pageActivity = false

    @Option(help: "Emit a process's RSS when it moved by more than this many bytes.")
    var rssThresholdBytes: UInt64 = 1 << 20

    @Option(help: "Attach kmem:rss_stat (per-process RSS) for this many ms of every --rss-period-ms: it costs page-fault-heavy workloads while attached (see bench/node.md). Equal to the period: always attached.")
    var rssWindowMs = 100

    @Option(help: "Length of the kmem:rss_stat duty cycle in ms.")
    var rssPeriodMs = 1000

    mutating func validate() throws {
        if !print && aggregator == nil {
            throw ValidationError("nothing to do: give --aggregator HOST:PORT, or --print")
        }
        if let aggregator, HostPort(aggregator) == nil {
            throw ValidationError("--aggregator '\(aggregator)' is not HOST:PORT")
        }
        guard sampleInterval >= 0.05, sampleInterval <= 3600 else {
            throw ValidationError("--sample-interval must be between 0.05 and 3600 seconds")
        }
        guard ringBufferBytes >= 4096, ringBufferBytes & (ringBufferBytes - 1) == 0 else {
            throw ValidationError("--ring-buffer-bytes must be a power of two of at least 4096")
        }
        if let node, node.isEmpty || node.utf8.count > 253 {
            throw ValidationError("--node must be 1 to 253 bytes")
        }
        do {
            _ = try RSSDutyCycle(windowMilliseconds: rssWindowMs, periodMilliseconds: rssPeriodMs)
        } catch {
            guard case .invalidOption(let message) = error else { throw error }
            throw ValidationError("--rss-window-ms/--rss-period-ms: \(message)")
        }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if kubeletURL == nil, kubeletTokenFile != nil || kubeletCaFile != nil || kubeletInsecureSkipTlsVerify {
            throw ValidationError("--kubelet-token-file, --kubelet-ca-file and --kubelet-insecure-skip-tls-verify need --kubelet-url")
        }
        if kubeletCaFile != nil, kubeletInsecureSkipTlsVerify {
            throw ValidationError("--kubelet-ca-file and --kubelet-insecure-skip-tls-verify exclude each other: verify with the CA, or not at all")
        }
    }

    func run() throws {
        installSignalHandlers()
        let options = NodeSensorOptions(
            cgroupRoot: cgroupRoot, cgroupSubtrees: cgroupSubtree.isEmpty ? ["/"] : cgroupSubtree,
            sampleIntervalNs: UInt64(sampleInterval * 1e9),
            probe: BPFProbeOptions(rssThresholdBytes: rssThresholdBytes, ringBufferBytes: ringBufferBytes, pageActivity: pageActivity),
            rssDutyCycle: try RSSDutyCycle(windowMilliseconds: rssWindowMs, periodMilliseconds: rssPeriodMs),
            withoutBPF: withoutBPF)
        let pods = try KubeletWatcher.start(
            url: kubeletURL, tokenFile: kubeletTokenFile, caFile: kubeletCaFile,
            insecureSkipTLSVerify: kubeletInsecureSkipTlsVerify, log: Log.line)
        let sensor: NodeSensor
        do {
            sensor = try NodeSensor(options: options, podIndex: { pods?.current }, log: Log.line)
        } catch {
            Log.line("cannot start: \(error)")
            throw ExitCode(2)
        }
        Log.line("watching cgroup \(sensor.cgroupVersion) memory under \(cgroupRoot); BPF programs: \(withoutBPF ? "off" : sensor.attachedPrograms.joined(separator: ", ") + "; rss_stat attached \(options.rssDutyCycle)")")

        let sender = try aggregator.map { try makeSender(address: HostPort($0)!) }
        sender?.start()

        let deadline = duration.map { Date().addingTimeInterval($0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let stdout = FileHandle.standardOutput
        sensor.run(
            shouldStop: { stopRequested.load(ordering: .relaxed) || deadline.map { Date() >= $0 } ?? false },
            emit: { records in
                sender?.submit(records: records)
                guard print else { return }
                var out = Data()
                for record in records {
                    if let line = try? encoder.encode(record) {
                        out.append(line)
                        out.append(0x0A)
                    }
                }
                stdout.write(out)
            })
        if let sender {
            // Bridge to the async drain: the sensor loop above runs on this (main) thread.
            let stopped = DispatchSemaphore(value: 0)
            Task.detached {
                await sender.stop()
                stopped.signal()
            }
            stopped.wait()
        }
        Log.line("stopped")
    }

    /// The network side: a spool (disk, or memory), the optional `--record` dump, the sender.
    private func makeSender(address: HostPort) throws -> FrameSender {
        let token = try tokenFile.map { try SharedToken.read(path: $0) } ?? []
        if let spoolDir { try lockSpool(spoolDir) }
        let store: any UnackedFrameStore
        do {
            store = try spoolDir.map { try DiskFrameSpool(directory: $0, maxBytes: spoolMaxBytes) }
                ?? MemoryFrameStore(maxBytes: windowMaxBytes)
        } catch {
            Log.line("cannot open spool: \(error)")
            throw ExitCode(2)
        }
        let nodeName = node ?? ProcessInfo.processInfo.hostName
        let recorder = try record.map { path in
            do {
                return try FrameRecorder(path: path, nodeName: nodeName, streamEpoch: store.streamEpoch)
            } catch {
                Log.line("cannot record to \(path): \(error)")
                throw ExitCode(2)
            }
        }
        Log.line("streaming to \(address) as node \(nodeName), stream epoch \(store.streamEpoch)\(spoolDir.map { ", spool \($0)" } ?? "")")
        return FrameSender(
            configuration: .init(host: address.host, port: address.port, token: token, nodeName: nodeName),
            store: store, log: Log.line, onFrame: { frame in recorder?.append(frame) })
    }

    /// One exporter per spool: two writing the same segments would corrupt each other. The
    /// lock lives as long as the process (the descriptor is never closed).
    private func lockSpool(_ directory: String) throws {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            Log.line("cannot use spool \(directory): \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Log.line("spool \(directory) is in use by another tapio-exporter (lock held on \(directory)/lock)")
            throw ExitCode(2)
        }
    }

    private func installSignalHandlers() {
        for signal in [SIGINT, SIGTERM] {
            Foundation.signal(signal) { _ in stopRequested.store(true, ordering: .relaxed) }
        }
    }
}



enum Log {
    /// One line on stderr, prefixed with the program name.
    static func line(_ text: String) {
        FileHandle.standardError.write(Data("tapio-exporter: \(text)\n".utf8))
    }
}
