import Foundation
import XCTest

/// Bad flags: every binary refuses them with an exit status other than 0 and a first line that
/// names the problem (the usage that follows is ArgumentParser's).
final class CommandLineTests: XCTestCase {
    private var harness: ProcessHarness!

    override func setUpWithError() throws { harness = try ProcessHarness(name: "flags") }
    override func tearDown() { harness.tearDown() }

    func testBadFlagsAreRefusedWithOneLineNamingTheProblem() throws {
        let cases: [(binary: String, arguments: [String], says: String)] = [
            ("tapio-exporter", ["--print", "--bogus"], "Unknown option '--bogus'"),
            ("tapio-exporter", ["--print", "--ring-buffer-bytes", "1000"], "--ring-buffer-bytes must be a power of two"),
            ("tapio-exporter", ["--print", "--kubelet-ca-file", "/etc/ca.crt"], "need --kubelet-url"),
            ("tapio-exporter", ["--print", "--rss-window-ms", "5"], "--rss-window-ms/--rss-period-ms: RSS window 5 ms must be at least 10 ms"),
            ("tapio-exporter", ["--print", "--rss-period-ms", "50"], "RSS window 100 ms must be at least 10 ms and at most the period (50 ms)"),
            ("tapio-exporter", ["--print", "--kubelet-url", "https://127.0.0.1:10250", "--kubelet-ca-file", "/etc/ca.crt", "--kubelet-insecure-skip-tls-verify"], "exclude each other"),
            ("tapio-exporter", ["--print", "--kubelet-url", "https://127.0.0.1:10250", "--kubelet-ca-file", "/nonexistent/ca.crt"], "kubelet CA file /nonexistent/ca.crt cannot be read"),
            ("tapio-aggregator", ["--listen", "nonsense", "--journal", harness.path("journal")], "--listen 'nonsense' is not HOST:PORT"),
            ("tapio-aggregator", ["--listen", "0.0.0.0:7470", "--journal", harness.path("journal")], "without a token"),
            ("tapio-tail", ["--aggregator", "nowhere"], "--aggregator 'nowhere' is not HOST:PORT"),
            ("tapio", ["dump", harness.path("no-such.tpio")], "no-such.tpio"),
        ]
        for (index, entry) in cases.enumerated() {
            let label = "case\(index)"
            let (status, _) = try harness.run(entry.binary, entry.arguments, label: label, timeout: 20)
            let firstLine = harness.text("\(label).err").split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertNotEqual(status, 0, "\(entry.binary) \(entry.arguments) must fail")
            XCTAssertTrue(firstLine.contains(entry.says), "\(entry.binary) \(entry.arguments): first line \"\(firstLine)\" should say \"\(entry.says)\"")
        }
    }
}
