#if canImport(Glibc)
import Glibc
#endif
import TapioCluster
import TapioPredict
import TapioSimulation
import TapioWire
import XCTest

/// The aggregator's memory per tracked container (target: at most 2 KiB), measured as heap
/// in use by a fleet state fed realistic records: names, samples past the warm-up (so every
/// predictor has its history), workers starting and exiting.
final class ContainerFootprintTests: XCTestCase {
    func testATrackedContainerKeepsItsMeasuredHeapFootprint() throws {
        #if canImport(Glibc)
        // Measured: about 1320 bytes without names (cgroup ids only: track, predictor, its
        // 600-byte history), about 1640 with Kubernetes names (cgroup path, pod, workload, and
        // the workload's replica set). The bounds leave ~5% for allocator noise, so a lost
        // saving (packed history, flattened track, interned names) fails here.
        let bare = try Self.heapPerContainer(withNames: false)
        let named = try Self.heapPerContainer(withNames: true)
        print(String(format: "heap per tracked container: %.0f bytes, %.0f with Kubernetes names", bare, named))
        XCTAssertLessThanOrEqual(bare, 1390)
        XCTAssertLessThanOrEqual(named, 1720)
        #else
        throw XCTSkip("needs glibc's malloc_info")
        #endif
    }

    #if canImport(Glibc)
    /// Heap per container of a fleet state of 50 nodes × 40 containers after 90 simulated
    /// seconds (past the 60 s warm-up: every predictor holds its history).
    static func heapPerContainer(withNames: Bool) throws -> Double {
        let nodes = 50
        let containers = 40
        let before = try heapInUse()
        var state = ClusterState()
        for node in 0..<nodes {
            var mix = RecordMix(containers: containers, seed: UInt64(node + 1))
            if withNames { state.apply(node: "node-\(node)", records: mix.containerInfos(node: node)) }
            for _ in 0..<90 { state.apply(node: "node-\(node)", records: mix.nextSecond()) }
        }
        let after = try heapInUse()
        XCTAssertEqual(state.containerCount, nodes * containers)
        return withExtendedLifetime(state) { Double(after - before) / Double(nodes * containers) }
    }

    static func heapInUse() throws -> Int {
        guard let usage = HeapUsage.current() else { throw XCTSkip("no malloc_info") }
        return usage.inUseBytes
    }
    #endif

    func testProcessNamesForgetExitedProcessesAndStayBounded() {
        var names = ProcessNames(capacity: 100)
        names.started(pid: 1, command: "init")
        names.started(pid: 42, command: "java")
        names.exited(pid: 42)
        XCTAssertNil(names[42], "an exited process is forgotten")
        XCTAssertEqual(names[1], "init")
        // Exits lost: far more starts than the capacity. The map stays bounded and the most
        // recent processes keep their names.
        for pid in UInt32(1_000)..<UInt32(11_000) { names.started(pid: pid, command: "worker") }
        XCTAssertLessThanOrEqual(names.count, 100)
        XCTAssertEqual(names[10_999], "worker")
        XCTAssertNil(names[1], "the oldest entries go first")
        // A process restarted under the same pid keeps its newest name.
        names.started(pid: 10_999, command: "nginx")
        XCTAssertEqual(names[10_999], "nginx")
    }

    func testTopProcessIsNamedAndExitsLeaveTheNodesProcessMap() {
        var state = ClusterState()
        let t = SampleRecords.baseTimestampNs
        let start = ProcessStart(pid: 500, ppid: 1, cgroupId: 7, pidNamespaceLevel: 1, namespacePid: 5, cause: .exec, comm: "java")
        state.apply(node: "n", records: [
            Record(timestampNs: t, body: .processStart(start)),
            Record(timestampNs: t + 1, body: .processRSS(ProcessRSS(pid: 500, tgid: 500, cgroupId: 7, anonBytes: 64 << 20, fileBytes: 0, shmemBytes: 0, swapBytes: 0))),
        ])
        XCTAssertEqual(state.nodes["n"]?.commands[500], "java")
        XCTAssertEqual(state.nodes["n"]?.containers[7]?.topProcess?.pid, 500)
        state.apply(node: "n", records: [Record(timestampNs: t + 2, body: .processExit(ProcessExit(
            pid: 500, ppid: 1, cgroupId: 7, pidNamespaceLevel: 1, namespacePid: 5, exitCode: 0, comm: "java")))])
        XCTAssertEqual(state.nodes["n"]?.commands.count, 0)
        XCTAssertNil(state.nodes["n"]?.containers[7]?.topProcess)
    }

    func testRecordMixWorkersExit() {
        var mix = RecordMix(containers: 20, seed: 3)
        var live: Set<UInt32> = []
        var started = 0
        for _ in 0..<600 {
            for record in mix.nextSecond() {
                switch record.body {
                case .processStart(let s): live.insert(s.pid); started += 1
                case .processExit(let e): live.remove(e.pid)
                default: break
                }
            }
        }
        XCTAssertGreaterThan(started, 300)
        // One start per container every ~20 s, each living 5–60 s: a few dozen alive at once.
        XCTAssertLessThan(live.count, 100)
    }
}
