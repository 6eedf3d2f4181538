import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import TapioCluster
import TapioPredict
import TapioWire

@main
struct AggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tapio-aggregator",
        abstract: "Receives node exporters' frames, keeps them exactly once in a journal, and serves the fleet's memory state.")

    @Option(help: "Frame listener, HOST:PORT.")
    var listen = "127.0.0.1:7470"

    @Option(help: "HTTP listener for /healthz, /api/v1/status and /metrics, HOST:PORT.")
    var http: String?

    @Option(help: "File holding the shared token that exporters and tails must prove.")
    var tokenFile: String?

    @Flag(help: "Allow listening on a non-loopback address without a token.")
    var insecure = false

    @Option(help: "Journal directory: applied frames are kept here and replayed at start.")
    var journal: String?

    @Option(help: "Journal segment size in bytes before rotation.")
    var journalSegmentBytes = 64 << 20

    @Option(help: "Journal disk budget; the oldest segments are removed beyond it.")
    var journalRetentionBytes = 1 << 30

    @Option(help: "Journal age limit in hours.")
    var journalRetentionHours = 24.0

    @Option(help: "Maximum simultaneous connections.")
    var maxConnections = 4096

    @Option(help: "Seconds a new connection has to authenticate.")
    var handshakeTimeout = 5.0

    @Option(help: "Seconds of silence after which a peer is dropped (heartbeats keep it alive).")
    var idleTimeout = 30.0

    @Option(help: "Largest frame accepted, in bytes.")
    var maxFrameBytes = 4 << 20

    @Option(help: "Append every alert as a JSON line to this file (rotated at 64 MiB, 5 kept).")
    var alertsLog: String?

    @Flag(help: "Do not print alert lines on stdout.")
    var quiet = false

    @Option(help: "Warn when an OOM kill is predicted within this many minutes.")
    var warningHorizon = 15.0

    @Option(help: "Escalate to CRITICAL when it is predicted within this many minutes.")
    var criticalHorizon = 2.0

    @Option(help: "Seconds of a new container's life (or after a restart) before trends may alert.")
    var warmUp = 60.0

    @Option(help: "Name this aggregator gives in its HELLO.")
    var name = "tapio-aggregator"

    @Option(help: "Event-loop threads (default: one per core).")
    var threads: Int?

    mutating func validate() throws {
        guard let address = HostPort(listen) else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        if let http, HostPort(http) == nil { throw ValidationError("--http '\(http)' is not HOST:PORT") }
        if tokenFile == nil, !insecure, !address.isLoopback {
            throw ValidationError("refusing to listen on \(listen) without a token: give --token-file, or --insecure to accept anyone")
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard handshakeTimeout > 0, idleTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        guard (64 << 10...64 << 20).contains(maxFrameBytes) else { throw ValidationError("--max-frame-bytes must be between 64 KiB and 64 MiB") }
        guard warmUp >= 0 else { throw ValidationError("--warm-up must not be negative") }
        guard criticalHorizon > 0, warningHorizon > criticalHorizon else {
            throw ValidationError("horizons must satisfy 0 < --critical-horizon < --warning-horizon (minutes)")
        }
    }

    func run() async throws {
        HeapTrimming.limitArenas()
        let token = try tokenFile.map { try SharedToken.read(path: $0) } ?? []
        let address = HostPort(listen)!
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("tapio-aggregator: \(line)\n".utf8))
        }
        var sinks: [any AlertSink] = quiet ? [] : [StandardOutputAlertSink()]
        if let alertsLog {
            do {
                sinks.append(try AlertLogSink(path: alertsLog))
            } catch {
                log("cannot start: \(error)")
                throw ExitCode(2)
            }
        }
        var predictor = PredictorConfiguration()
        predictor.warningHorizonSeconds = warningHorizon * 60
        predictor.criticalHorizonSeconds = criticalHorizon * 60
        predictor.warmUpSeconds = warmUp
        let core: AggregatorCore
        do {
            core = try AggregatorCore(
                journalDirectory: journal,
                journalConfiguration: JournalConfiguration(
                    segmentBytes: journalSegmentBytes, retentionBytes: journalRetentionBytes,
                    retentionSeconds: journalRetentionHours * 3600),
                predictorConfiguration: predictor, sinks: sinks, log: log)
        } catch {
            log("cannot start: \(error)")
            throw ExitCode(2)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? System.coreCount, metricsDelegate: EventLoopTickRecorder(core: core))
        // HTTP has a loop of its own: rendering /metrics for a large fleet takes a while, and
        // must not delay the frames and ACKs of the connections that share a loop with it.
        let httpGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let trimming = HeapTrimming.trimPeriodically(on: httpGroup.next())
        let configuration = AggregatorConfiguration(
            host: address.host, port: address.port, token: token, serverName: name,
            limits: WireLimits(maxFrameLength: UInt32(maxFrameBytes)), maxConnections: maxConnections,
            handshakeTimeout: .nanoseconds(Int64(handshakeTimeout * 1e9)), idleTimeout: .nanoseconds(Int64(idleTimeout * 1e9)))
        let server: AggregatorServer
        var httpServer: HTTPEndpointServer?
        do {
            server = try await AggregatorServer.start(configuration: configuration, host: core, group: group)
            if let http, let httpAddress = HostPort(http) {
                let endpoints = AggregatorEndpoints(core: core, serverName: name)
                httpServer = try await HTTPEndpointServer.start(host: httpAddress.host, port: httpAddress.port, group: httpGroup) {
                    endpoints.route(method: $0, path: $1, query: $2)
                }
            }
        } catch {
            log("cannot listen: \(error)")
            core.shutdown()
            try? await group.shutdownGracefully()
            try? await httpGroup.shutdownGracefully()
            throw ExitCode(2)
        }
        log("listening for frames on \(address.host):\(server.localPort ?? address.port)\(httpServer.map { ", HTTP on port \($0.localPort ?? 0)" } ?? "")\(token.isEmpty ? " (no token)" : "")\(journal.map { ", journal in \($0)" } ?? ", no journal")")

        await TerminationSignal.wait()
        log("shutting down")
        trimming.cancel()
        await server.close()
        await httpServer?.close()
        core.shutdown()
        try? await group.shutdownGracefully()
        try? await httpGroup.shutdownGracefully()
    }
}
