import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `make demo` must not rot: runs `tools/demo.sh` (what `make demo` runs after building) with
/// the binaries built for these tests, and checks that a person watching it sees the warning,
/// the real OOM kill and how far ahead it was predicted, and that it leaves nothing behind.
final class DemoTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDemoShowsTheWarningTheRealKillAndTheLeadTimeThenCleansUp() throws {
        guard geteuid() == 0 else { throw XCTSkip("the demo needs root") }
        let script = Self.repository.appendingPathComponent("tools/demo.sh").path
        let binaries = URL(fileURLWithPath: try ProcessHarness.binary("tapio")).deletingLastPathComponent().path
        for name in ["tapio-exporter", "tapio-aggregator", "tapio-tail", "tapio-workload"] {
            _ = try ProcessHarness.binary(name)
        }

        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tapio-demo-test-\(getpid()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        process.currentDirectoryURL = Self.repository
        var environment = ProcessInfo.processInfo.environment
        environment["TAPIO_BIN"] = binaries
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()

        // The demo bounds itself at 240 s of leaking; allow for start-up and cleanup.
        let deadline = Date().addingTimeInterval(330)
        while process.isRunning, Date() < deadline { usleep(200_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)  // its trap stops what it started
            let grace = Date().addingTimeInterval(20)
            while process.isRunning, Date() < grace { usleep(100_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        print(output)

        if process.terminationStatus == 77 { throw XCTSkip("the demo cannot run here: \(output)") }
        XCTAssertEqual(process.terminationStatus, 0, "the demo succeeds:\n\(output)")
        XCTAssertTrue(output.contains("==> leaking 2 MiB/s into a 256 MiB cgroup"), "the narration says what happens")
        XCTAssertTrue(output.contains("WARNING: tapio-demo-"), "the tail shows the warning")
        XCTAssertTrue(output.contains("will OOM in "), "the warning has its ETA")
        XCTAssertTrue(output.contains("OOM KILL: tapio-demo-"), "the tail shows the real kill")
        XCTAssertTrue(output.contains("killed by the OOM killer; predicted "), "the kill is scored as predicted")
        XCTAssertTrue(output.contains("OOM kills: "), "tapio check summarises")  // other kills on the node count too
        XCTAssertTrue(output.contains("==> verdict: the kernel OOM-killed tapio-workload"), "the verdict")
        XCTAssertTrue(output.contains("==> stopped everything the demo started"), "it cleans up")
        if let warning = output.range(of: "WARNING: tapio-demo-"), let kill = output.range(of: "OOM KILL: tapio-demo-") {
            XCTAssertLessThan(warning.lowerBound, kill.lowerBound, "warned before the kill")
        }

        // Nothing left behind: its cgroup, its temporary directory.
        let cgroup = output.split(separator: "\n").first { $0.hasPrefix("==> created memory cgroup ") }
            .map { String($0.split(separator: " ")[4]) }
        XCTAssertNotNil(cgroup, "the demo names its cgroup")
        if let cgroup {
            for root in ["/sys/fs/cgroup/memory", "/sys/fs/cgroup"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: root + cgroup), "\(root + cgroup) removed")
            }
        }
        let work = output.split(separator: "\n").first { $0.hasPrefix("==> its token, journal and alert log are in ") }
            .map { String($0.split(separator: " ").last!) }
        XCTAssertNotNil(work, "the demo names its temporary directory")
        if let work { XCTAssertFalse(FileManager.default.fileExists(atPath: work), "\(work) removed") }
    }
}
