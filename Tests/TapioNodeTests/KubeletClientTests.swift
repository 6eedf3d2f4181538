import Foundation
import XCTest

@testable import TapioNode

/// KubeletClient against a real HTTP server on 127.0.0.1 (a few lines of python3), which
/// serves the fixture only with the right bearer token.
final class KubeletClientTests: XCTestCase {
    typealias F = CgroupFixtures

    private static let serverScript = #"""
        import http.server, sys
        pods = open(sys.argv[1], "rb").read()
        broken = open(sys.argv[2], "rb").read()
        token = sys.argv[3]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path not in ("/pods", "/broken/pods"):
                    return self.reply(404, b"404 page not found\n", "text/plain")
                if self.headers.get("Authorization") != "Bearer " + token:
                    return self.reply(401, b"Unauthorized\n", "text/plain")
                self.reply(200, pods if self.path == "/pods" else broken, "application/json")
            def reply(self, status, body, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    private var server: Process?
    private var port = 0
    private var directory = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("python3 is needed for the test HTTP server and is not at /usr/bin/python3")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-kubelet-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "s3cr3t-token\n".write(toFile: directory + "/token", atomically: false, encoding: .utf8)
        try "\n".write(toFile: directory + "/empty-token", atomically: false, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.serverScript, F.path("kubelet/pods.json"), F.path("kubelet/pods-truncated.json"), "s3cr3t-token"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        server = process
        // The server prints its port once it is listening.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("test HTTP server did not start")
        }
        self.port = port
    }

    override func tearDown() {
        if let server, server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func client(path: String = "", token: String? = "token") throws(KubeletClientError) -> KubeletClient {
        try KubeletClient(configuration: .init(
            baseURL: "http://127.0.0.1:\(port)\(path)", tokenFile: token.map { directory + "/" + $0 }, timeout: .seconds(5)))
    }

    func testFetchesAndDecodesWithTheBearerToken() async throws {
        let list = try await client().fetchPods()
        XCTAssertEqual(list.items.count, 6)
        XCTAssertEqual(list.items.first?.metadata.name, "api-service-7d9f8b6c4d-x2kqp")
    }

    func testMissingOrWrongTokenIsUnauthorized() async throws {
        do throws(KubeletClientError) {
            _ = try await client(token: nil).fetchPods()
            XCTFail("expected HTTP 401")
        } catch {
            XCTAssertEqual(error, .httpStatus(url: "http://127.0.0.1:\(port)/pods", status: 401, body: "Unauthorized"))
            XCTAssertTrue(error.description.contains("(token missing or invalid)"), error.description)
        }
    }

    func testTokenFileProblems() async throws {
        do throws(KubeletClientError) {
            _ = try await client(token: "no-such-token").fetchPods()
            XCTFail("expected a token file error")
        } catch {
            guard case .tokenFile(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, directory + "/no-such-token")
        }
        do throws(KubeletClientError) {
            _ = try await client(token: "empty-token").fetchPods()
            XCTFail("expected a token file error")
        } catch {
            XCTAssertEqual(error, .tokenFile(path: directory + "/empty-token", reason: "is empty"))
        }
    }

    func testBrokenBodyIsADecodingError() async throws {
        do throws(KubeletClientError) {
            _ = try await client(path: "/broken").fetchPods()
            XCTFail("expected a decoding error")
        } catch {
            guard case .decoding(let url, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(url, "http://127.0.0.1:\(port)/broken/pods")
            XCTAssertFalse(error.description.contains("\n"), error.description)
        }
    }

    func testConnectionRefusedIsATransportError() async throws {
        let closedPort = port
        if let server {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        do throws(KubeletClientError) {
            _ = try await KubeletClient(configuration: .init(baseURL: "http://127.0.0.1:\(closedPort)")).fetchPods()
            XCTFail("expected a transport error")
        } catch {
            guard case .transport = error else { return XCTFail("\(error)") }
        }
    }

    func testConfigurationErrors() {
        XCTAssertThrowsError(try KubeletClient(configuration: .init(baseURL: "ftp://node:10250"))) { error in
            XCTAssertEqual(error as? KubeletClientError, .invalidURL("ftp://node:10250"))
        }
        #if os(Linux)
        XCTAssertThrowsError(try KubeletClient(configuration: .init(baseURL: "https://127.0.0.1:10250", caFile: "/etc/kubernetes/pki/ca.crt"))) { error in
            XCTAssertEqual(error as? KubeletClientError, .customCAUnsupported(path: "/etc/kubernetes/pki/ca.crt"))
        }
        #endif
        XCTAssertEqual(try KubeletClient(configuration: .init(baseURL: "https://127.0.0.1:10250/")).podsURL.absoluteString,
                       "https://127.0.0.1:10250/pods")
    }
}
