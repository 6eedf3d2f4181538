import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import TapioSimulation
import XCTest

@testable import TapioCluster

/// The HTTP server over real loopback TCP: a body made in pieces arrives whole and in order,
/// is made only as fast as the client reads it, and stops being made when the client leaves;
/// HTTP/1.0 and HEAD get a whole body with its length.
final class HTTPEndpointServerTests: XCTestCase {
    /// `count` pieces of `size` bytes, each starting with its number; counts what it made.
    private final class NumberedPieces: HTTPBodyPieces {
        let count: Int
        let size: Int
        let made: NIOLockedValueBox<Int>
        private var nextNumber = 0

        init(count: Int, size: Int, made: NIOLockedValueBox<Int>) {
            self.count = count
            self.size = size
            self.made = made
        }

        static func piece(_ number: Int, size: Int) -> String {
            let label = String(format: "piece %06d\n", number)
            return label + String(repeating: "x", count: size - label.utf8.count - 1) + "\n"
        }

        func next() -> String? {
            guard nextNumber < count else { return nil }
            defer { nextNumber += 1 }
            made.withLockedValue { $0 += 1 }
            return Self.piece(nextNumber, size: size)
        }
    }

    private func server(count: Int, size: Int, made: NIOLockedValueBox<Int>) async throws -> (HTTPEndpointServer, MultiThreadedEventLoopGroup) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0, group: group) { _, path, _ in
            guard path == "/big" else { return .text("small\n") }
            return HTTPResponse(status: 200, contentType: "text/plain", pieces: { NumberedPieces(count: count, size: size, made: made) })
        }
        return (server, group)
    }

    func testABodyInPiecesArrivesWholeAndIsMadeOnlyAsFastAsTheClientReads() async throws {
        let made = NIOLockedValueBox(0)
        let count = 1_000, size = 64 << 10  // 64 MiB in all
        let (server, group) = try await server(count: count, size: size, made: made)
        let port = try XCTUnwrap(server.localPort)
        let client = try LoopbackHTTPClient(port: port)
        try client.send("GET /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        // The client reads nothing for a while: the server fills the socket buffers (a few MB
        // on loopback) and its own small outbound buffer, then waits.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let madeWhilePaused = made.withLockedValue { $0 }
        print("pieces made while the client read nothing: \(madeWhilePaused) of \(count)")
        XCTAssertGreaterThan(madeWhilePaused, 0)
        XCTAssertLessThan(madeWhilePaused, 400, "pieces made while the client read nothing (\(madeWhilePaused) of \(count)): not held back")
        let response = try client.readToEnd()
        XCTAssertTrue(response.head.lowercased().contains("transfer-encoding: chunked"), response.head)
        XCTAssertFalse(response.head.lowercased().contains("content-length"), response.head)
        let body = try XCTUnwrap(LoopbackHTTPClient.dechunk(response.body), "a well-formed chunked body")
        XCTAssertEqual(body.count, count * size)
        for number in [0, 1, 499, 999] {
            let start = number * size
            XCTAssertEqual(String(decoding: body[start..<start + 13], as: UTF8.self), String(format: "piece %06d\n", number), "piece \(number) in order")
        }
        XCTAssertEqual(made.withLockedValue { $0 }, count)
        await server.close()
        try await group.shutdownGracefully()
    }

    func testAClientThatLeavesMidBodyStopsItsMaking() async throws {
        let made = NIOLockedValueBox(0)
        let count = 2_000, size = 64 << 10
        let (server, group) = try await server(count: count, size: size, made: made)
        let port = try XCTUnwrap(server.localPort)
        do {
            let client = try LoopbackHTTPClient(port: port)
            try client.send("GET /big HTTP/1.1\r\nHost: test\r\n\r\n")
            _ = try client.read(atLeast: 1 << 20)
        }  // closed here
        try await Task.sleep(nanoseconds: 500_000_000)
        let madeAfterLeaving = made.withLockedValue { $0 }
        XCTAssertLessThan(madeAfterLeaving, count / 2, "the body went on being made for a client that left")
        // The server is still fine for the next client.
        let next = try LoopbackHTTPClient(port: port)
        try next.send("GET /small HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(String(decoding: try next.readToEnd().body, as: UTF8.self), "small\n")
        await server.close()
        try await group.shutdownGracefully()
    }

    func testHTTP10AndHeadGetTheWholeBodyWithItsLength() async throws {
        let made = NIOLockedValueBox(0)
        let (server, group) = try await server(count: 3, size: 1_000, made: made)
        let port = try XCTUnwrap(server.localPort)
        let old = try LoopbackHTTPClient(port: port)
        try old.send("GET /big HTTP/1.0\r\n\r\n")
        let whole = try old.readToEnd()
        XCTAssertTrue(whole.head.lowercased().contains("content-length: 3000"), whole.head)
        XCTAssertEqual(whole.body.count, 3_000)
        XCTAssertEqual(String(decoding: whole.body.prefix(13), as: UTF8.self), "piece 000000\n")
        let head = try LoopbackHTTPClient(port: port)
        try head.send("HEAD /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        let headResponse = try head.readToEnd()
        XCTAssertTrue(headResponse.head.lowercased().contains("content-length: 3000"), headResponse.head)
        XCTAssertEqual(headResponse.body.count, 0)
        await server.close()
        try await group.shutdownGracefully()
    }

    /// /metrics of a few thousand containers: in pieces near the cut size, each family
    /// declared once, the containers of every node present.
    func testMetricsComeInBoundedPiecesThatMakeOneExposition() throws {
        let core = try AggregatorCore(journalDirectory: nil, log: { _ in })
        let nodes = 100, containers = 30
        for node in 0..<nodes {
            var mix = RecordMix(containers: containers, seed: UInt64(node + 1))
            core.apply(node: "node-\(node)", records: mix.containerInfos(node: node) + mix.nextSecond() + mix.nextSecond())
        }
        let exposition = MetricsExposition(core: core)
        var pieces: [String] = []
        while let piece = exposition.next() { pieces.append(piece) }
        XCTAssertNil(exposition.next(), "ended for good")
        XCTAssertGreaterThan(pieces.count, 5)
        let largest = pieces.map(\.utf8.count).max() ?? 0
        // Cut after the node that reaches the size: never much beyond it.
        XCTAssertLessThan(largest, MetricsExposition.pieceBytes + 64 << 10, "a piece of \(largest) bytes")
        XCTAssertFalse(pieces.contains(where: \.isEmpty), "an empty piece would end a chunked body")
        let text = pieces.joined()
        XCTAssertTrue(pieces.allSatisfy { $0.hasSuffix("\n") }, "pieces end at line ends")
        let lines = text.split(separator: "\n")
        let typeLines = lines.filter { $0.hasPrefix("# TYPE ") }
        XCTAssertEqual(Set(typeLines).count, typeLines.count, "a family declared twice")
        let usage = lines.filter { $0.hasPrefix("tapio_container_memory_usage_bytes{") }
        XCTAssertEqual(usage.count, nodes * containers, "every container's usage")
        XCTAssertEqual(lines.filter { $0.hasPrefix("tapio_node_alert_state{") }.count, nodes)
        XCTAssertTrue(text.contains("# TYPE tapio_records_applied_total counter\n"))
    }
}

/// A blocking HTTP/1.1 client on a loopback socket that reads at its own pace.
private final class LoopbackHTTPClient {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw Failure(description: "send: errno \(errno)") }
    }

    func read(atLeast wanted: Int) throws -> [UInt8] {
        var received = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while received.count < wanted {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv: errno \(errno)") }
            received += chunk[0..<n]
        }
        return received
    }

    /// Everything until the server closes, split at the end of the head.
    func readToEnd() throws -> (head: String, body: [UInt8]) {
        let response = try read(atLeast: .max)
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Failure(description: "no response head") }
        return (String(decoding: response[..<split.lowerBound], as: UTF8.self), Array(response[split.upperBound...]))
    }

    /// The body of a chunked transfer coding, or nil if it is malformed or unfinished.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var body = [UInt8]()
        var at = 0
        while true {
            guard let lineEnd = bytes[at...].firstRange(of: Array("\r\n".utf8)),
                let size = Int(String(decoding: bytes[at..<lineEnd.lowerBound], as: UTF8.self), radix: 16)
            else { return nil }
            at = lineEnd.upperBound
            if size == 0 { return body }
            guard at + size + 2 <= bytes.count else { return nil }
            body += bytes[at..<at + size]
            at += size + 2
        }
    }
}
