import Foundation
import XCTest

/// `tapio dump --verify` on the golden vectors: good ones pass, bad ones fail naming the byte
/// offset and reason their JSON expects.
final class DumpCommandTests: XCTestCase {
    private let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    func testVerifyAgreesWithEveryGoldenVector() throws {
        let harness = try ProcessHarness(name: "dump")
        defer { harness.tearDown() }
        let names = try FileManager.default.contentsOfDirectory(atPath: vectors.path).filter { $0.hasSuffix(".tpio") }.sorted()
        XCTAssertGreaterThan(names.count, 10)
        for name in names {
            let base = String(name.dropLast(5))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent(base + ".json"))) as? [String: Any]
            let expected = (json?["inspection"] as? [String: Any])?["error"] as? [String: Any]
            let run = try harness.run("tapio", ["dump", "--verify", vectors.appendingPathComponent(name).path], label: base, timeout: 30)
            let stderr = harness.text("\(base).err")
            if let expected {
                XCTAssertEqual(run.status, 1, "\(base) must fail verification")
                let offset = expected["offset"] as? Int ?? -1
                XCTAssertTrue(stderr.contains("bad frame at byte \(offset)"), "\(base): \(stderr)")
                XCTAssertTrue(stderr.contains(expected["message"] as? String ?? "?"), "\(base): \(stderr)")
            } else {
                XCTAssertEqual(run.status, 0, "\(base): \(stderr)")
                XCTAssertTrue(run.stdout.contains("verify: OK"), run.stdout)
            }
        }
    }

    func testNotADumpIsOneClearLine() throws {
        let harness = try ProcessHarness(name: "notdump")
        defer { harness.tearDown() }
        try "plain text, not frames".write(toFile: harness.path("x.tpio"), atomically: true, encoding: .utf8)
        let run = try harness.run("tapio", ["dump", harness.path("x.tpio")], label: "x", timeout: 30)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(harness.text("x.err"), "Error: \(harness.path("x.tpio")): not a Tapio dump file: magic is not \"TPIODUMP\"\n")
    }
}
