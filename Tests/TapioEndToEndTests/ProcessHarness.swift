import Foundation
import XCTest
import TapioTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built Tapio binaries as real processes for end-to-end tests: output to files,
/// bounded waits, and cleanup of exactly the processes the test started.
final class ProcessHarness {
    let directory: URL
    private var started: [Process] = []

    init(name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-e2e-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Ends every process this harness started (SIGTERM, then SIGKILL) and removes its files.
    func tearDown() {
        for process in started where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(5)
        for process in started {
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The directory holding the test bundle holds the products too.
    static func binary(_ name: String) throws -> String {
        if let path = BuiltProducts.path(name) { return path }
        XCTFail("\(name) not built next to the tests (looked in \(BuiltProducts.directories)); `swift build` first")
        throw XCTSkip("missing binary \(name)")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Starts `binary` with `arguments`; stdout and stderr go to `<label>.out` / `<label>.err`.
    @discardableResult
    func start(_ binary: String, _ arguments: [String], label: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary.hasPrefix("/") ? binary : try Self.binary(binary))
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: path("\(label).out"), contents: nil)
        _ = FileManager.default.createFile(atPath: path("\(label).err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path("\(label).out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path("\(label).err")))
        try process.run()
        started.append(process)
        return process
    }

    /// Runs to completion (bounded), returning exit status and stdout.
    func run(_ binary: String, _ arguments: [String], label: String, timeout: Double) throws -> (status: Int32, stdout: String) {
        let process = try start(binary, arguments, label: label)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("\(binary) \(arguments) did not finish within \(timeout)s; stderr: \(text("\(label).err"))")
        }
        return (process.terminationStatus, text("\(label).out"))
    }

    func text(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? ""
    }

    /// Polls until `condition` holds or `timeout` seconds pass.
    @discardableResult
    func wait(timeout: Double, _ what: String, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout)s waiting for \(what)")
        return false
    }

    static func sigkill(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A running tapio-aggregator: its ports come from its own log line (it binds port 0).
struct AggregatorProcess {
    let process: Process
    let framePort: Int
    let httpPort: Int

    static func start(
        _ harness: ProcessHarness, label: String, journal: String, tokenFile: String?, framePort: Int = 0,
        extra: [String] = []
    ) throws -> AggregatorProcess {
        var arguments = ["--listen", "127.0.0.1:\(framePort)", "--http", "127.0.0.1:0", "--journal", journal]
        if let tokenFile { arguments += ["--token-file", tokenFile] }
        let process = try harness.start("tapio-aggregator", arguments + extra, label: label)
        var ports: (Int, Int)?
        harness.wait(timeout: 20, "aggregator to listen") {
            ports = parsePorts(harness.text("\(label).err"))
            return ports != nil || !process.isRunning
        }
        guard let ports else { throw XCTSkip("aggregator did not start: \(harness.text("\(label).err"))") }
        return AggregatorProcess(process: process, framePort: ports.0, httpPort: ports.1)
    }

    /// "listening for frames on 127.0.0.1:PORT, HTTP on port PORT"
    private static func parsePorts(_ log: String) -> (Int, Int)? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("listening for frames on") }) else { return nil }
        let words = line.replacingOccurrences(of: ",", with: " ").split(separator: " ")
        guard let address = words.first(where: { $0.hasPrefix("127.0.0.1:") }), let frame = Int(address.split(separator: ":").last!),
            let httpIndex = words.firstIndex(of: "port"), httpIndex + 1 < words.count, let http = Int(words[httpIndex + 1])
        else { return nil }
        return (frame, http)
    }

    func get(_ path: String) -> Data? {
        HTTPGet.fetch(host: "127.0.0.1", port: httpPort, path: path)
    }

    func status() -> [String: Any]? {
        get("/api/v1/status").flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// recordsApplied per "node#epoch" from /api/v1/status.
    func appliedByStream() -> [String: (records: Int, lastApplied: Int, missing: Int, lost: [String: Int])] {
        var result: [String: (Int, Int, Int, [String: Int])] = [:]
        for node in status()?["nodes"] as? [[String: Any]] ?? [] {
            let name = node["name"] as? String ?? "?"
            for stream in node["streams"] as? [[String: Any]] ?? [] {
                let epoch = (stream["epoch"] as? NSNumber)?.uint64Value ?? 0
                result["\(name)#\(epoch)"] = (
                    (stream["recordsApplied"] as? Int) ?? 0, (stream["lastApplied"] as? Int) ?? 0,
                    (stream["missingSequences"] as? Int) ?? 0, (stream["lostRecords"] as? [String: Int]) ?? [:]
                )
            }
        }
        return result.mapValues { (records: $0.0, lastApplied: $0.1, missing: $0.2, lost: $0.3) }
    }

    func pipeline() -> [String: Int] {
        (status()?["pipeline"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }
}

/// A minimal blocking HTTP/1.0 GET over a loopback socket (no extra dependencies).
enum HTTPGet {
    static func fetch(host: String, port: Int, path: String) -> Data? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        // HTTP/1.0: the aggregator answers with a Content-Length, not chunks (which
        // HTTPEndpointServerTests cover), so the body is everything after the head.
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        return Data(response[split.upperBound...])
    }
}
