import Foundation
import XCTest

@testable import TapioNode

/// KubeletClient against a real HTTP server on 127.0.0.1 (a few lines of python3), which
/// serves the fixture only with the right bearer token; the same server over TLS with a
/// certificate from a test CA made by openssl checks the kubelet's TLS options.
final class KubeletClientTests: XCTestCase {
    typealias F = CgroupFixtures

    private static let serverScript = #"""
        import http.server, ssl, sys
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
        if len(sys.argv) > 5:  # certificate chain and key: serve HTTPS
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[4], sys.argv[5])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    private var server: Process?
    private var port = 0
    private var directory = ""
    private var servers: [Process] = []

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("python3 is needed for the test HTTP server and is not at /usr/bin/python3")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapio-kubelet-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "s3cr3t-token\n".write(toFile: directory + "/token", atomically: false, encoding: .utf8)
        try "\n".write(toFile: directory + "/empty-token", atomically: false, encoding: .utf8)

        (server, port) = try startServer()
    }

    /// Starts the python server (HTTPS with `certificate` and `key`); returns it and its port.
    private func startServer(certificate: String? = nil, key: String? = nil) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.serverScript, F.path("kubelet/pods.json"), F.path("kubelet/pods-truncated.json"), "s3cr3t-token"]
            + [certificate, key].compactMap { $0 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        servers.append(process)
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
        return (process, port)
    }

    override func tearDown() {
        for server in servers where server.isRunning {
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
        XCTAssertThrowsError(try KubeletClient(configuration: .init(baseURL: "https://127.0.0.1:10250", caFile: "/nonexistent/ca.crt"))) { error in
            XCTAssertEqual(error as? KubeletClientError, .caFile(path: "/nonexistent/ca.crt", reason: "cannot be read"))
        }
        XCTAssertThrowsError(try KubeletClient(configuration: .init(baseURL: "https://127.0.0.1:10250", caFile: directory + "/token"))) { error in
            XCTAssertEqual(error as? KubeletClientError, .caFile(path: directory + "/token", reason: "holds no PEM certificate"))
        }
        XCTAssertThrowsError(try KubeletClient(configuration: .init(baseURL: "http://127.0.0.1:10255", insecureSkipTLSVerify: true))) { error in
            XCTAssertEqual(error as? KubeletClientError, .tlsOptionsWithoutHTTPS("http://127.0.0.1:10255"))
        }
        XCTAssertEqual(try KubeletClient(configuration: .init(baseURL: "https://127.0.0.1:10250/")).podsURL.absoluteString,
                       "https://127.0.0.1:10250/pods")
    }
}

extension KubeletClientTests {
    /// A CA and a kubelet serving certificate for IP 127.0.0.1 signed by it, made by openssl.
    private func makeCertificates() throws -> (ca: String, certificate: String, key: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("openssl is needed to make the test certificates and is not at /usr/bin/openssl")
        }
        let d = directory
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-cluster-ca -keyout \(d)/ca.key -out \(d)/ca.crt
            openssl req -newkey rsa:2048 -nodes -subj /CN=kubelet -keyout \(d)/kubelet.key -out \(d)/kubelet.csr
            printf 'subjectAltName=IP:127.0.0.1\\n' > \(d)/san.ext
            openssl x509 -req -in \(d)/kubelet.csr -CA \(d)/ca.crt -CAkey \(d)/ca.key -CAcreateserial -days 1 -extfile \(d)/san.ext -out \(d)/kubelet.crt
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl made the test certificates")
        return (d + "/ca.crt", d + "/kubelet.crt", d + "/kubelet.key")
    }

    private func httpsClient(port: Int, caFile: String? = nil, insecure: Bool = false) throws(KubeletClientError) -> KubeletClient {
        try KubeletClient(configuration: .init(
            baseURL: "https://127.0.0.1:\(port)", tokenFile: directory + "/token", caFile: caFile,
            insecureSkipTLSVerify: insecure, timeout: .seconds(5)))
    }

    func testHTTPSWithTheCAThatSignedTheKubeletCertificate() async throws {
        let files = try makeCertificates()
        let (_, tlsPort) = try startServer(certificate: files.certificate, key: files.key)
        let list = try await httpsClient(port: tlsPort, caFile: files.ca).fetchPods()
        XCTAssertEqual(list.items.count, 6)
    }

    func testHTTPSWithoutTheCAIsRefusedWithAHint() async throws {
        let files = try makeCertificates()
        let (_, tlsPort) = try startServer(certificate: files.certificate, key: files.key)
        do throws(KubeletClientError) {
            _ = try await httpsClient(port: tlsPort).fetchPods()
            XCTFail("a certificate from an unknown CA must not be trusted")
        } catch {
            guard case .transport(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("--kubelet-ca-file"), message)
            XCTAssertFalse(error.description.contains("\n"), error.description)
        }
        // A different CA does not help either.
        let other = directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other", "-keyout", other + "/ca.key", "-out", other + "/ca.crt"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        do throws(KubeletClientError) {
            _ = try await httpsClient(port: tlsPort, caFile: other + "/ca.crt").fetchPods()
            XCTFail("a certificate signed by another CA must not be trusted")
        } catch {
            guard case .transport = error else { return XCTFail("\(error)") }
        }
    }

    func testHTTPSInsecureSkipVerifyAcceptsTheCertificateButStillSendsTheToken() async throws {
        let files = try makeCertificates()
        let (_, tlsPort) = try startServer(certificate: files.certificate, key: files.key)
        let list = try await httpsClient(port: tlsPort, insecure: true).fetchPods()
        XCTAssertEqual(list.items.count, 6, "the server serves pods only with the right bearer token")
    }
}

extension KubeletClientTests {
    /// A kubelet that accepts the connection and never answers costs one timeout, not a hang.
    func testSilentServerTimesOut() async throws {
        // A listening socket nobody accepts on: the kernel completes the TCP handshake.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        XCTAssertTrue(bound)
        XCTAssertEqual(listen(fd, 4), 0)
        let silentPort = Int(UInt16(bigEndian: address.sin_port))

        let started = Date()
        do throws(KubeletClientError) {
            _ = try await KubeletClient(configuration: .init(baseURL: "http://127.0.0.1:\(silentPort)", timeout: .milliseconds(500))).fetchPods()
            XCTFail("a silent server must time out")
        } catch {
            guard case .transport(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("within 0.5 s"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the deadline covers the whole request")
    }
}
