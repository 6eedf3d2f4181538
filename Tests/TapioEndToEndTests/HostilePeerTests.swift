import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Broken and hostile peers against a real aggregator, each while a healthy load generator
/// streams to the same aggregator: every bad peer is told why (an ERROR frame with the right
/// code), logged with a clear reason, counted, and closed — and the healthy stream still gets
/// every record applied exactly once, on its one connection.
///
/// The hostile side is written by hand from protocol/SPEC.md (raw frames, CRC-32C and
/// HMAC-SHA256 below), so these tests do not trust the TapioWire code they are checking.
final class HostilePeerTests: XCTestCase {
    private var harness: ProcessHarness!
    private let token = "e2e-token"

    override func setUpWithError() throws {
        harness = try ProcessHarness(name: name.split(separator: " ").last.map(String.init) ?? "t")
        try "\(token)\n".write(toFile: harness.path("token"), atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        harness.tearDown()
    }

    // MARK: - the helpers themselves

    /// The hand-written CRC-32C, frame builder and HMAC agree with the spec's check values and
    /// golden handshake vector, so a failure below is the server's, not the helpers'.
    func testRawWireHelpersMatchTheSpec() {
        XCTAssertEqual(RawWire.crc32c(Array("123456789".utf8)), 0xE306_9283)
        // §11: the ACK frame of ack-heartbeat.tpio, byte for byte.
        let ack = RawWire.frame(type: 6, sequence: 42)
        XCTAssertEqual(
            ack, [0x54, 0x50, 0x49, 0x4F, 0, 0, 0, 0x18, 0xAC, 0xDC, 0x9F, 0x8A, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2A, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(RawWire.hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // §6.3 / vector `handshake`: the client proof of node-1, epoch 1764072000.
        let proof = RawWire.clientProof(
            token: "tapio-vector-token", serverNonce: (0..<32).map { UInt8($0) }, clientNonce: (0..<32).map { UInt8(0xA0 + $0) },
            role: 1, epoch: 1_764_072_000, node: "node-1")
        XCTAssertEqual(RawWire.hex(proof), "cb2e8e3f56387d88f7b225e23a6a7e5ce9a76da7c7d47ddbd180a5f2029cee3d")
        let serverProof = RawWire.serverProof(
            token: "tapio-vector-token", clientNonce: (0..<32).map { UInt8(0xA0 + $0) }, serverNonce: (0..<32).map { UInt8($0) }, resume: 41)
        XCTAssertEqual(RawWire.hex(serverProof), "d4358b777565a81fc8e9b0a06357c572c1724fbac7cd3e8dabe07ea9f25270be")
    }

    // MARK: - 1. wrong token

    func testWrongTokenIsRejectedWithAuthenticationFailed() throws {
        let aggregator = try startAggregator()
        let load = try startHealthyLoad(aggregator)

        // A client that speaks the protocol correctly but holds another token.
        let intruder = try RawPeer(port: aggregator.framePort)
        let hello = try XCTUnwrap(expectHello(intruder))
        XCTAssertEqual(hello.idleTimeoutMilliseconds, 30_000)
        XCTAssertTrue(intruder.send(RawWire.auth(token: "not-the-token", serverNonce: hello.serverNonce, role: 1, node: "intruder").frame))
        expectError(intruder, code: 3, containing: "proof does not match the shared token")
        expectLogged(aggregator, port: intruder.localPort, "closing connection: proof does not match the shared token")

        // Control: the same client with the right token is welcomed (so the rejection above
        // was about the token, not about a malformed AUTH), and the server proves the token too.
        let friend = try RawPeer(port: aggregator.framePort)
        try authenticate(friend, role: 2, node: "")

        XCTAssertTrue(load.isRunning, "the hostile peers must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 3)
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["authFailures"], 1)
        XCTAssertEqual(pipeline["decodeErrors"], 0)
        XCTAssertFalse(aggregator.appliedByStream().keys.contains { $0.hasPrefix("intruder#") }, "nothing of a failed AUTH is acted on")
        XCTAssertFalse(harness.text("agg.err").contains("intruder"), "a failed AUTH's node name is not trusted: \(harness.text("agg.err"))")
    }

    /// The reserved query role: a right proof gets ERROR protocolViolation instead of WELCOME
    /// (SPEC §6.1); a wrong proof is still an authentication failure first.
    func testQueryRoleIsRefusedAfterTheProof() throws {
        let aggregator = try startAggregator()
        let asker = try RawPeer(port: aggregator.framePort)
        let hello = try XCTUnwrap(expectHello(asker))
        XCTAssertTrue(asker.send(RawWire.auth(token: token, serverNonce: hello.serverNonce, role: 3, node: "").frame))
        expectError(asker, code: 7, containing: "role query is not served")

        let stranger = try RawPeer(port: aggregator.framePort)
        let strangerHello = try XCTUnwrap(expectHello(stranger))
        XCTAssertTrue(stranger.send(RawWire.auth(token: "not-the-token", serverNonce: strangerHello.serverNonce, role: 3, node: "").frame))
        expectError(stranger, code: 3, containing: "proof does not match the shared token")
    }

    // MARK: - 2. wrong protocol version

    func testUnsupportedVersionIsRejected() throws {
        let aggregator = try startAggregator()
        let load = try startHealthyLoad(aggregator)

        let peer = try RawPeer(port: aggregator.framePort)
        _ = try XCTUnwrap(expectHello(peer))
        // A HEARTBEAT in a version-2 frame with a correct CRC (vector `unsupported-version`).
        XCTAssertTrue(peer.send(RawWire.frame(type: 7, version: 2)))
        expectError(peer, code: 2, containing: "unsupported protocol version 2")
        expectLogged(aggregator, port: peer.localPort, "closing connection: unsupported protocol version 2")

        XCTAssertTrue(load.isRunning, "the hostile peer must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 2)
        XCTAssertEqual(aggregator.pipeline()["decodeErrors"], 1)
        XCTAssertEqual(aggregator.pipeline()["authFailures"], 0)
    }

    // MARK: - 3. garbage

    func testGarbageBytesAreRejectedAsMalformed() throws {
        let aggregator = try startAggregator()
        let load = try startHealthyLoad(aggregator)

        let peer = try RawPeer(port: aggregator.framePort)
        _ = try XCTUnwrap(expectHello(peer))
        XCTAssertTrue(peer.send(Array("GET / HTTP/1.1\r\nHost: aggregator\r\n\r\n".utf8)))
        expectError(peer, code: 1, containing: "bad frame magic 0x47455420")
        expectLogged(aggregator, port: peer.localPort, "closing connection: bad frame magic")

        XCTAssertTrue(load.isRunning, "the hostile peer must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 2)
        XCTAssertEqual(aggregator.pipeline()["decodeErrors"], 1, "one bad connection is one decode error")
    }

    // MARK: - 4. slow-loris

    /// Three peers trickle a (valid!) AUTH frame one byte every 500 ms: the handshake timeout
    /// must cut them although bytes keep arriving, and the healthy stream keeps flowing.
    func testSlowLorisIsCutByTheHandshakeTimeout() throws {
        let aggregator = try startAggregator(extra: ["--handshake-timeout", "1"])
        let load = try startHealthyLoad(aggregator)

        var peers: [(peer: RawPeer, auth: [UInt8], sent: Int, connected: Date, closedAfter: Double?)] = []
        for _ in 0..<3 {
            let peer = try RawPeer(port: aggregator.framePort)
            let hello = try XCTUnwrap(expectHello(peer))
            peers.append((peer, RawWire.auth(token: token, serverNonce: hello.serverNonce, role: 1, node: "loris").frame, 0, Date(), nil))
        }
        let appliedBefore = aggregator.pipeline()["recordsApplied"] ?? 0
        var errors: [RawPeer.Event] = []
        let deadline = Date().addingTimeInterval(6)
        while peers.contains(where: { $0.closedAfter == nil }), Date() < deadline {
            for index in peers.indices where peers[index].closedAfter == nil {
                if peers[index].sent < peers[index].auth.count {
                    _ = peers[index].peer.send([peers[index].auth[peers[index].sent]])
                    peers[index].sent += 1
                }
            }
            // Pace at one byte per 500 ms per peer, watching for the server's answer meanwhile.
            let tick = Date().addingTimeInterval(0.5)
            for index in peers.indices where peers[index].closedAfter == nil {
                let event = peers[index].peer.next(timeout: max(0, tick.timeIntervalSinceNow))
                switch event {
                case .timeout: continue
                case .frame(let frame) where frame.type == 7: continue  // a heartbeat may come first
                default:
                    errors.append(event)
                    peers[index].closedAfter = Date().timeIntervalSince(peers[index].connected)
                }
            }
            if Date() < tick { usleep(UInt32(tick.timeIntervalSinceNow * 1e6)) }
        }
        for (index, entry) in peers.enumerated() {
            let closedAfter = try XCTUnwrap(entry.closedAfter, "slow-loris \(index) still connected after 6 s (sent \(entry.sent) bytes)")
            XCTAssertGreaterThanOrEqual(closedAfter, 0.8, "cut before the 1 s handshake timeout")
            XCTAssertLessThan(entry.sent, entry.auth.count, "the AUTH was never completed")
            expectLogged(aggregator, port: entry.peer.localPort, "closing connection: no AUTH within 1000 ms")
        }
        for event in errors {
            guard case .frame(let frame) = event, let error = frame.error else {
                XCTFail("expected ERROR handshakeTimeout, got \(event)")
                continue
            }
            XCTAssertEqual(error.code, 4, error.message)
        }
        for entry in peers { expectEOF(entry.peer) }
        XCTAssertGreaterThan(aggregator.pipeline()["recordsApplied"] ?? 0, appliedBefore, "the healthy stream kept being applied meanwhile")

        XCTAssertTrue(load.isRunning, "the hostile peers must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 4)
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["handshakeTimeouts"], 3)
        XCTAssertEqual(pipeline["decodeErrors"], 0, "a connection the server cut itself is not a decode error")
        XCTAssertEqual(pipeline["authFailures"], 0)
    }

    // MARK: - 5. oversized frame

    func testOversizedFrameIsRejectedFromItsFirstEightBytes() throws {
        let aggregator = try startAggregator()
        let load = try startHealthyLoad(aggregator)

        let peer = try RawPeer(port: aggregator.framePort)
        _ = try XCTUnwrap(expectHello(peer))
        // Only the prefix: magic and a 64 MiB length. The server must answer without the rest.
        XCTAssertTrue(peer.send(RawWire.be(UInt32(0x5450_494F)) + RawWire.be(UInt32(64 << 20))))
        expectError(peer, code: 9, containing: "frame length 67108864 bytes exceeds the 4194304-byte limit", within: 3)
        expectLogged(aggregator, port: peer.localPort, "closing connection: frame length 67108864 bytes exceeds")

        XCTAssertTrue(load.isRunning, "the hostile peer must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 2)
        XCTAssertEqual(aggregator.pipeline()["decodeErrors"], 1)
    }

    // MARK: - 6. connection limit

    /// With `--max-connections 4` and the healthy exporter holding one: three idle peers fill
    /// the server, the next is refused with ERROR tooManyConnections (and no HELLO), and once
    /// one idle peer leaves a new one is served again.
    func testConnectionLimitRefusesTheExtraPeerAndRecovers() throws {
        let aggregator = try startAggregator(extra: ["--max-connections", "4", "--handshake-timeout", "60"])
        let load = try startHealthyLoad(aggregator)
        XCTAssertEqual(aggregator.pipeline()["connectionsOpen"], 1, "the healthy exporter's connection")

        var idle: [RawPeer] = []
        for _ in 0..<3 {
            let peer = try RawPeer(port: aggregator.framePort)
            _ = try XCTUnwrap(expectHello(peer))
            idle.append(peer)
        }
        harness.wait(timeout: 5, "4 connections open") { aggregator.pipeline()["connectionsOpen"] == 4 }

        let extra = try RawPeer(port: aggregator.framePort)
        expectError(extra, code: 5, containing: "connection limit 4 reached", firstFrame: true)
        expectLogged(aggregator, port: extra.localPort, "refused: 4 connections open")
        XCTAssertEqual(aggregator.pipeline()["connectionsRejected"], 1)

        // One idle peer leaves; its slot is free again.
        idle.removeFirst().close()
        harness.wait(timeout: 5, "the closed peer's slot to be released") { aggregator.pipeline()["connectionsOpen"] == 3 }
        let again = try RawPeer(port: aggregator.framePort)
        _ = try XCTUnwrap(expectHello(again), "a new peer is served once a slot is free")
        idle.append(again)
        harness.wait(timeout: 5, "4 connections open again") { aggregator.pipeline()["connectionsOpen"] == 4 }

        XCTAssertTrue(load.isRunning, "the hostile peers must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 5)
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["connectionsRejected"], 1, "only the extra peer was refused, never the healthy exporter")
        for peer in idle { peer.close() }
        harness.wait(timeout: 5, "every connection to be released") { aggregator.pipeline()["connectionsOpen"] == 0 }
    }

    // MARK: - 7. idle timeout

    /// With `--idle-timeout 1`: an authenticated peer that goes silent is dropped with ERROR
    /// idleTimeout; one that heartbeats stays connected across several idle timeouts; the
    /// healthy exporter is never dropped.
    func testIdleTimeoutDropsSilentPeersButNotHeartbeatingOnes() throws {
        let aggregator = try startAggregator(extra: ["--idle-timeout", "1"])
        let load = try startHealthyLoad(aggregator, extra: ["--records-per-second", "10"])

        let silent = try RawPeer(port: aggregator.framePort)
        let silentHello = try authenticate(silent, role: 2, node: "")
        XCTAssertEqual(silentHello.idleTimeoutMilliseconds, 1_000)
        let alive = try RawPeer(port: aggregator.framePort)
        try authenticate(alive, role: 2, node: "")
        let start = Date()

        // `alive` heartbeats every 300 ms for 4 s; `silent` sends nothing.
        var silentResult: (event: RawPeer.Event, after: Double)?
        var heartbeatsFromServer = 0
        var aliveProblem: RawPeer.Event?
        while Date().timeIntervalSince(start) < 4 {
            XCTAssertTrue(alive.send(RawWire.frame(type: 7)), "heartbeating peer can still send")
            let tick = Date().addingTimeInterval(0.3)
            while Date() < tick {
                let event = alive.next(timeout: max(0, tick.timeIntervalSinceNow))
                if case .timeout = event { break }
                if case .frame(let frame) = event, frame.type == 7 { heartbeatsFromServer += 1; continue }
                aliveProblem = event
                break
            }
            if aliveProblem != nil { break }
            if silentResult == nil {
                switch silent.next(timeout: 0) {
                case .timeout: break
                case .frame(let frame) where frame.type == 7: break
                case let event: silentResult = (event, Date().timeIntervalSince(start))
                }
            }
        }
        XCTAssertNil(aliveProblem, "a heartbeating peer must stay connected past several idle timeouts")
        XCTAssertGreaterThan(heartbeatsFromServer, 0, "the server heartbeats a quiet connection (a third of the idle timeout)")
        let dropped = try XCTUnwrap(silentResult, "the silent peer was not dropped within 4 s")
        XCTAssertGreaterThanOrEqual(dropped.after, 0.8, "dropped before the 1 s idle timeout")
        if case .frame(let frame) = dropped.event, let error = frame.error {
            XCTAssertEqual(error.code, 6, error.message)
            XCTAssertTrue(error.message.contains("idle timeout"), error.message)
        } else {
            XCTFail("expected ERROR idleTimeout, got \(dropped.event)")
        }

        // The heartbeating peer says goodbye like a well-behaved one (now, before it would
        // time out too), and the server closes.
        XCTAssertTrue(alive.send(RawWire.frame(type: 10, payload: RawWire.str16("test done"))))
        var afterGoodbye = alive.next(timeout: 5)
        while case .frame(let frame) = afterGoodbye, frame.type == 7 { afterGoodbye = alive.next(timeout: 5) }
        if case .eof = afterGoodbye {} else { XCTFail("expected EOF after GOODBYE, got \(afterGoodbye)") }
        expectEOF(silent)
        expectLogged(aggregator, port: silent.localPort, "closing connection: no frame received within the idle timeout")

        XCTAssertTrue(load.isRunning, "the peers must act while the healthy load runs")
        try finishHealthyLoad(load, aggregator, connectionsAccepted: 3)
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["idleTimeouts"], 1, "only the silent peer timed out")
        XCTAssertEqual(pipeline["authFailures"], 0)
    }

    /// The real exporter must heartbeat at a third of the idle timeout the aggregator announces
    /// in HELLO (§6.6: "both sides use this value"), so a quiet node is never dropped.
    func testQuietExporterIsKeptAliveByHeartbeatsAtTheAnnouncedIdleTimeout() throws {
        let aggregator = try startAggregator(extra: ["--idle-timeout", "1"])
        // One sample right away, then nothing but heartbeats for the rest of the run.
        let exporter = try harness.start(
            "tapio-exporter",
            ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--node", "quiet", "--token-file", harness.path("token"),
             "--without-bpf", "--sample-interval", "60", "--duration", "5"],
            label: "exp")
        harness.wait(timeout: 20, "the exporter to finish") { !exporter.isRunning }
        XCTAssertEqual(exporter.terminationStatus, 0, harness.text("exp.err"))
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["idleTimeouts"], 0, "a heartbeating exporter is never idle: \(harness.text("agg.err"))")
        XCTAssertEqual(pipeline["connectionsAccepted"], 1, "the exporter never had to reconnect: \(harness.text("exp.err"))")
        XCTAssertGreaterThan(pipeline["recordsApplied"] ?? 0, 0)
    }

    /// The real exporter with the wrong token is refused, says why, and does not hammer the
    /// aggregator: it waits the longest backoff (15-30 s) before trying again.
    func testExporterWithTheWrongTokenBacksOffForLong() throws {
        let aggregator = try startAggregator()
        try "another-token\n".write(toFile: harness.path("wrong-token"), atomically: true, encoding: .utf8)
        let exporter = try harness.start(
            "tapio-exporter",
            ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--node", "stranger", "--token-file", harness.path("wrong-token"),
             "--without-bpf", "--sample-interval", "60", "--duration", "6"],
            label: "exp")
        harness.wait(timeout: 20, "the exporter to finish") { !exporter.isRunning }
        let log = harness.text("exp.err")
        let retry = try XCTUnwrap(log.split(separator: "\n").first { $0.contains("retrying in") }, log)
        XCTAssertTrue(retry.contains("check --token-file"), String(retry))
        let seconds = try XCTUnwrap(Double(retry.split(separator: " ").last!.dropLast()), String(retry))
        XCTAssertGreaterThanOrEqual(seconds, 15, "a refused login waits the longest backoff: \(retry)")
        XCTAssertEqual(aggregator.pipeline()["authFailures"], 1, "one attempt in the 6 s run, not dozens: \(harness.text("agg.err"))")
    }

    // MARK: - aggregator and healthy load

    private func startAggregator(extra: [String] = []) throws -> AggregatorProcess {
        try AggregatorProcess.start(harness, label: "agg", journal: harness.path("journal"), tokenFile: harness.path("token"), extra: extra)
    }

    /// `tapio-loadgen --nodes 1` against the aggregator; returns once its records are being applied.
    private func startHealthyLoad(_ aggregator: AggregatorProcess, seconds: Int = 8, extra: [String] = []) throws -> Process {
        let load = try harness.start(
            "tapio-loadgen",
            ["--aggregator", "127.0.0.1:\(aggregator.framePort)", "--token-file", harness.path("token"), "--nodes", "1",
             "--containers", "10", "--seconds", String(seconds), "--drain-seconds", "30", "--output", harness.path("load.json")] + extra,
            label: "load")
        harness.wait(timeout: 20, "the healthy load to be applied") { (aggregator.pipeline()["recordsApplied"] ?? 0) > 0 || !load.isRunning }
        return load
    }

    private struct LoadSummary: Decodable {
        struct Node: Decodable {
            var node: String
            var epoch: UInt64
            var lastSequence: Int
            var recordsSent: Int
        }

        var nodes: [Node]
        var totalRecordsSent: Int
        var allAcknowledged: Bool
    }

    /// The healthy exporter finished with everything acknowledged, everything it sent was
    /// applied exactly once, and it never had to reconnect: the aggregator accepted exactly
    /// `connectionsAccepted` connections (the exporter's one plus the test's peers).
    private func finishHealthyLoad(
        _ load: Process, _ aggregator: AggregatorProcess, connectionsAccepted: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        harness.wait(timeout: 60, "the healthy load to finish") { !load.isRunning }
        XCTAssertEqual(load.terminationStatus, 0, "every healthy frame acknowledged: \(harness.text("load.err"))", file: file, line: line)
        let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(contentsOf: URL(fileURLWithPath: harness.path("load.json"))))
        XCTAssertTrue(summary.allAcknowledged, file: file, line: line)
        XCTAssertEqual(summary.nodes.count, 1, file: file, line: line)
        XCTAssertGreaterThan(summary.totalRecordsSent, 0, file: file, line: line)
        let applied = aggregator.appliedByStream()
        XCTAssertEqual(applied.count, 1, "streams known to the aggregator: \(applied.keys)", file: file, line: line)
        for node in summary.nodes {
            let stream = try XCTUnwrap(applied["\(node.node)#\(node.epoch)"], file: file, line: line)
            XCTAssertEqual(stream.records, node.recordsSent, "records applied exactly once", file: file, line: line)
            XCTAssertEqual(stream.lastApplied, node.lastSequence, file: file, line: line)
            XCTAssertEqual(stream.missing, 0, file: file, line: line)
        }
        let pipeline = aggregator.pipeline()
        XCTAssertEqual(pipeline["recordsApplied"], summary.totalRecordsSent, file: file, line: line)
        XCTAssertEqual(pipeline["duplicateBatches"], 0, "the healthy exporter never had to resend", file: file, line: line)
        XCTAssertEqual(pipeline["connectionsAccepted"], connectionsAccepted, "the healthy exporter never reconnected", file: file, line: line)
        XCTAssertEqual(pipeline["journalErrors"], 0, file: file, line: line)
        XCTAssertTrue(aggregator.process.isRunning, "aggregator still running", file: file, line: line)
    }

    // MARK: - raw peer expectations

    /// The first frame of an admitted connection is HELLO (version range 1…1).
    @discardableResult
    private func expectHello(_ peer: RawPeer, file: StaticString = #filePath, line: UInt = #line) -> RawFrame.Hello? {
        let event = peer.next(timeout: 5)
        guard case .frame(let frame) = event, let hello = frame.hello else {
            XCTFail("expected HELLO, got \(event)", file: file, line: line)
            return nil
        }
        XCTAssertEqual(hello.minimumVersion, 1, file: file, line: line)
        XCTAssertEqual(hello.maximumVersion, 1, file: file, line: line)
        return hello
    }

    /// Full handshake with the right token; checks the server's proof. Returns the HELLO.
    @discardableResult
    private func authenticate(_ peer: RawPeer, role: UInt8, node: String, file: StaticString = #filePath, line: UInt = #line) throws -> RawFrame.Hello {
        let hello = try XCTUnwrap(expectHello(peer, file: file, line: line), file: file, line: line)
        let auth = RawWire.auth(token: token, serverNonce: hello.serverNonce, role: role, node: node)
        XCTAssertTrue(peer.send(auth.frame), file: file, line: line)
        var event = peer.next(timeout: 5)
        while case .frame(let frame) = event, frame.type == 7 { event = peer.next(timeout: 5) }
        guard case .frame(let frame) = event, frame.type == 3, frame.payload.count >= 40 else {
            XCTFail("expected WELCOME, got \(event)", file: file, line: line)
            throw XCTSkip("no WELCOME")
        }
        let resume = frame.payload[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let expected = RawWire.serverProof(token: token, clientNonce: auth.clientNonce, serverNonce: hello.serverNonce, resume: resume)
        XCTAssertEqual(Array(frame.payload[8..<40]), expected, "the server proves the token too", file: file, line: line)
        return hello
    }

    /// The next frame (after any HEARTBEAT, unless `firstFrame`) is ERROR with `code` and a
    /// message containing `text`, and then the server closes.
    private func expectError(
        _ peer: RawPeer, code: UInt16, containing text: String, within timeout: Double = 5, firstFrame: Bool = false,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let deadline = Date().addingTimeInterval(timeout)
        var event = peer.next(timeout: timeout)
        while !firstFrame, case .frame(let frame) = event, frame.type == 7 { event = peer.next(timeout: max(0, deadline.timeIntervalSinceNow)) }
        guard case .frame(let frame) = event, let error = frame.error else {
            XCTFail("expected ERROR \(code), got \(event)", file: file, line: line)
            return
        }
        XCTAssertEqual(error.code, code, "ERROR code (message: \(error.message))", file: file, line: line)
        XCTAssertTrue(error.message.contains(text), "ERROR message '\(error.message)' should contain '\(text)'", file: file, line: line)
        expectEOF(peer, file: file, line: line)
    }

    /// The server closes: EOF, with nothing more sent.
    private func expectEOF(_ peer: RawPeer, file: StaticString = #filePath, line: UInt = #line) {
        let event = peer.next(timeout: 5)
        guard case .eof = event else {
            XCTFail("expected the server to close the connection, got \(event)", file: file, line: line)
            return
        }
    }

    /// The aggregator's log names this peer (by its port) and the reason.
    private func expectLogged(_ aggregator: AggregatorProcess, port: Int, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let found = harness.wait(timeout: 5, "log line '\(reason)' for port \(port)") {
            // The peer is logged as `[IPv4]127.0.0.1/127.0.0.1:PORT`, then `:` or `)`.
            harness.text("agg.err").split(separator: "\n").contains {
                ($0.contains("127.0.0.1:\(port):") || $0.contains("127.0.0.1:\(port))")) && $0.contains(reason)
            }
        }
        if !found { XCTFail("aggregator log:\n\(harness.text("agg.err"))", file: file, line: line) }
    }
}

// MARK: - raw wire bytes, written from protocol/SPEC.md

enum RawWire {
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func str16(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return be(UInt16(bytes.count)) + bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// CRC-32C (Castagnoli, reflected 0x82F63B78), bitwise.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// An uncompressed frame (§3.1) with a correct CRC.
    static func frame(type: UInt8, payload: [UInt8] = [], version: UInt8 = 1, sequence: UInt64 = 0, count: UInt32 = 0) -> [UInt8] {
        let covered = [version, type, 0, 0] + be(sequence) + be(count) + be(UInt32(payload.count)) + payload
        return be(UInt32(0x5450_494F)) + be(UInt32(24 + payload.count)) + be(crc32c(covered)) + covered
    }

    static func clientProof(token: String, serverNonce: [UInt8], clientNonce: [UInt8], role: UInt8, epoch: UInt64, node: String) -> [UInt8] {
        SHA256.hmac(
            key: Array(token.utf8),
            message: Array("TPIO-v1 client proof".utf8) + serverNonce + clientNonce + [role] + be(epoch) + Array(node.utf8))
    }

    static func serverProof(token: String, clientNonce: [UInt8], serverNonce: [UInt8], resume: UInt64) -> [UInt8] {
        SHA256.hmac(key: Array(token.utf8), message: Array("TPIO-v1 server proof".utf8) + clientNonce + serverNonce + be(resume))
    }

    /// An AUTH frame (§4.4) whose proof is computed with `token`.
    static func auth(token: String, serverNonce: [UInt8], role: UInt8, node: String, epoch: UInt64 = 1) -> (frame: [UInt8], clientNonce: [UInt8]) {
        let clientNonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let proof = clientProof(token: token, serverNonce: serverNonce, clientNonce: clientNonce, role: role, epoch: role == 1 ? epoch : 0, node: node)
        let payload = [role, 0, 0, 0] + be(role == 1 ? epoch : 0) + clientNonce + proof + str16(node)
        return (frame(type: 2, payload: payload), clientNonce)
    }
}

/// One frame read from the server, CRC-checked.
struct RawFrame {
    var version: UInt8
    var type: UInt8
    var flags: UInt8
    var sequence: UInt64
    var payload: [UInt8]

    struct Hello {
        var minimumVersion: UInt8
        var maximumVersion: UInt8
        var serverNonce: [UInt8]
        var idleTimeoutMilliseconds: UInt32
    }

    var hello: Hello? {
        guard type == 1, payload.count >= 42 else { return nil }
        return Hello(
            minimumVersion: payload[0], maximumVersion: payload[1], serverNonce: Array(payload[4..<36]),
            idleTimeoutMilliseconds: payload[36..<40].reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// ERROR payload: u16 code, str16 message.
    var error: (code: UInt16, message: String)? {
        guard type == 4, payload.count >= 4 else { return nil }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        let length = Int(UInt16(payload[2]) << 8 | UInt16(payload[3]))
        guard payload.count >= 4 + length else { return nil }
        return (code, String(decoding: payload[4..<(4 + length)], as: UTF8.self))
    }
}

/// A blocking loopback TCP client with bounded waits, reading whole frames.
final class RawPeer {
    enum Event: CustomStringConvertible {
        case frame(RawFrame)
        case eof
        case timeout
        case failed(String)

        var description: String {
            switch self {
            case .frame(let frame):
                if let error = frame.error { return "ERROR \(error.code) '\(error.message)'" }
                return "frame type \(frame.type) (\(frame.payload.count) payload bytes)"
            case .eof: return "EOF"
            case .timeout: return "nothing (timed out)"
            case .failed(let why): return "failure: \(why)"
            }
        }
    }

    private var fd: Int32
    private var buffer: [UInt8] = []
    let localPort: Int

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("socket: \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            XCTFail("connect to 127.0.0.1:\(port) failed: errno \(error)")
            throw XCTSkip("cannot connect")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        localPort = Int(UInt16(bigEndian: local.sin_port))
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends everything (bounded by SO_SNDTIMEO); false if the connection is gone.
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// The next whole frame, EOF, or timeout after `timeout` seconds.
    func next(timeout: Double) -> Event {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let event = takeFrame() { return event }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let ready = poll(&pfd, 1, ms)
            if ready < 0 { if errno == EINTR { continue }; return .failed("poll errno \(errno)") }
            if ready == 0 { return .timeout }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return buffer.isEmpty ? .eof : .failed("EOF inside a frame (\(buffer.count) bytes buffered)") }
            if n < 0 { return .failed("recv errno \(errno)") }
            buffer += chunk[0..<n]
        }
    }

    private func takeFrame() -> Event? {
        guard buffer.count >= 32 else { return nil }
        let word = { (at: Int) in self.buffer[at..<(at + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        guard word(0) == 0x5450_494F else { return .failed("server sent bad magic") }
        let length = Int(word(4))
        guard length >= 24, buffer.count >= 8 + length else { return length >= 24 ? nil : .failed("server frame length \(length)") }
        let frameBytes = Array(buffer[0..<(8 + length)])
        buffer.removeFirst(8 + length)
        let crc = frameBytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard RawWire.crc32c(Array(frameBytes[12...])) == crc else { return .failed("server frame CRC mismatch") }
        guard frameBytes[14] == 0 else { return .failed("server sent a compressed session frame (flags \(frameBytes[14]))") }
        return .frame(RawFrame(
            version: frameBytes[12], type: frameBytes[13], flags: frameBytes[14],
            sequence: frameBytes[16..<24].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, payload: Array(frameBytes[32...])))
    }
}

/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), enough to compute handshake proofs.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message + [0x80]
        while data.count % 64 != 56 { data.append(0) }
        data += RawWire.be(UInt64(message.count) * 8)
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for t in 0..<16 { w[t] = data[(chunk + 4 * t)..<(chunk + 4 * t + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for t in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] &+= v }
        }
        return h.flatMap { RawWire.be($0) }
    }

    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        return hash(block.map { $0 ^ 0x5c } + hash(block.map { $0 ^ 0x36 } + message))
    }
}
