import XCTest
import TapioTestSupport
@testable import TapioNode

#if canImport(Glibc)
import Glibc
#endif

/// Shared plumbing of the kernel tests: skip rules, the workload binary, event collection.
enum KernelTestSupport {
    /// A started probe, or XCTSkip when this machine cannot run BPF (not root, no BTF, no
    /// tracefs, a missing tracepoint). Any other failure is a real test failure.
    static func startProbe(_ options: BPFProbeOptions = BPFProbeOptions()) throws -> BPFProbe {
        guard geteuid() == 0 else {
            throw XCTSkip("kernel tests need root (to load BPF programs and create cgroups)")
        }
        do {
            return try BPFProbe(options: options)
        } catch let error {
            switch error {
            case .notPrivileged, .btfMissing, .tracefsNotMounted, .tracepointMissing:
                throw XCTSkip("BPF unavailable: \(error)")
            default:
                throw error
            }
        }
    }

    /// The tapio-workload executable built next to the test bundle.
    static func workloadPath() throws -> String {
        guard let path = BuiltProducts.path("tapio-workload") else {
            throw XCTSkip("tapio-workload not found next to the tests (looked in \(BuiltProducts.directories)); run `swift build --product tapio-workload` with the same scratch path first")
        }
        return path
    }

    /// Polls until `done` says so or `timeout` seconds pass; returns everything seen.
    static func collect(
        _ probe: BPFProbe, timeout: Double, until done: ([KernelEvent]) -> Bool
    ) throws -> [KernelEvent] {
        var events: [KernelEvent] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            events += try probe.poll(timeoutMilliseconds: 50)
            if done(events) { break }
        }
        return events
    }
}
