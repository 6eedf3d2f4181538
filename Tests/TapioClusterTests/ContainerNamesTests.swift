@testable import TapioCluster
import TapioSimulation
import TapioWire
import XCTest

/// Names are kept packed and interned; what comes out must be exactly what went in.
final class ContainerNamesTests: XCTestCase {
    func testTextShapesGiveBackTheExactText() {
        let texts = [
            "", "/", "abc", "dead", "deadbeef", "/kubepods/burstable/pod0c1d2e3f-0003-400c-8003-00000000bb8b/0123456789abcdef",
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c_3d4e_5f60_7a8b_9c0d1e2f3a4b.slice/cri-containerd-abc.scope",
            "/system.slice/docker-\(String(repeating: "f0e1d2c3b4a59687", count: 4)).scope",
            "UPPER-CASE-DEADBEEF-not-packed", "odd-12345-digits-123", "ünïcödé/ab12cd34/ß", "a1b2c3d4e5f6a7b",
        ]
        for text in texts {
            let (shape, packed) = TextShape.split(text)
            let back = packed.withUnsafeBufferPointer { shape.render($0) }
            XCTAssertEqual(back, text)
            XCTAssertEqual(packed.count, shape.packedByteCount)
        }
    }

    func testCgroupPathsOfOneClassShareAShape() {
        let mix = RecordMix(containers: 3, seed: 1)
        var interner = NameInterner()
        var shapes: [ObjectIdentifier] = []
        for node in 0..<3 {
            for record in mix.containerInfos(node: node) {
                guard case .containerInfo(let info) = record.body else { continue }
                let names = ContainerNames.make(info, interner: &interner)
                XCTAssertEqual(names.cgroupPath, info.cgroupPath)
                shapes.append(ObjectIdentifier(names.pathShape))
            }
        }
        XCTAssertEqual(Set(shapes).count, 1)
    }

    func testNamesComeBackAsAnnouncedWithoutIds() {
        var interner = NameInterner()
        let info = ContainerInfo(
            cgroupId: 9, runtime: .crio, qosClass: .guaranteed, specLimitBytes: 1 << 30,
            cgroupPath: "/kubepods.slice/kubepods-pod0c1d2e3f_0003_400c_8003_00000000bb8b.slice/crio-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
            containerId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", podUid: "0c1d2e3f-0003-400c-8003-00000000bb8b",
            podName: "payments-api-production-5d8f9c7b46-x2k4p", namespace: "payments-production", containerName: "payments-api-sidecar",
            workload: "payments-api-production", podPhase: "Running", label: "")
        var expected = info
        expected.containerId = ""
        expected.podUid = ""
        let names = ContainerNames.make(info, interner: &interner)
        let back = names.info(cgroupId: 9)
        XCTAssertEqual(back.cgroupPath, expected.cgroupPath)
        XCTAssertEqual(back.podName, expected.podName)
        XCTAssertEqual(back.namespace, expected.namespace)
        XCTAssertEqual(back.containerName, expected.containerName)
        XCTAssertEqual(back.workload, expected.workload)
        XCTAssertEqual(back.podPhase, expected.podPhase)
        XCTAssertEqual(back.specLimitBytes, expected.specLimitBytes)
        XCTAssertEqual(back.runtime, expected.runtime)
        XCTAssertEqual(back.qosClass, expected.qosClass)
        XCTAssertEqual(back.containerId, "")
        XCTAssertEqual(back.podUid, "")
        // A pod name without a dash, and none at all.
        var bare = info
        bare.podName = "standalone"
        XCTAssertEqual(ContainerNames.make(bare, interner: &interner).podName, "standalone")
        bare.podName = ""
        XCTAssertFalse(ContainerNames.make(bare, interner: &interner).hasPodName)
    }

    func testTheInternerSharesRepeatedTextAndStaysBounded() {
        var interner = NameInterner(capacity: 4)
        let a = interner.intern(String(repeating: "payments-", count: 3))
        let b = interner.intern(String(repeating: "payments-", count: 3))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.utf8.withContiguousStorageIfAvailable { $0.baseAddress }, b.utf8.withContiguousStorageIfAvailable { $0.baseAddress })
        for i in 0..<100 { _ = interner.intern("a-name-longer-than-fifteen-\(i)") }
        XCTAssertLessThanOrEqual(interner.count, 4)
        XCTAssertEqual(interner.intern("short"), "short")
    }
}
