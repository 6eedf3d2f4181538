import Foundation
import XCTest

@testable import TapioNode

/// Decoding the kubelet's /pods (fixtures in the real v1 PodList format), quantities, and
/// enrichment of identities resolved from the fixture cgroup trees.
final class KubeletPodListTests: XCTestCase {
    typealias F = CgroupFixtures

    private func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: F.path("kubelet/\(name)")))
    }

    func testDecodesTheRealFormat() throws {
        let list = try KubeletPodList.decode(try fixture("pods.json"))
        XCTAssertEqual(list.items.count, 6)
        let api = list.items[0]
        XCTAssertEqual(api.metadata.name, "api-service-7d9f8b6c4d-x2kqp")
        XCTAssertEqual(api.metadata.namespace, "shop")
        XCTAssertEqual(api.metadata.uid, F.burstableUID)
        XCTAssertEqual(api.metadata.controller?.kind, "ReplicaSet")
        XCTAssertEqual(api.metadata.controller?.name, "api-service-7d9f8b6c4d")
        XCTAssertEqual(api.spec?.containers.map(\.name), ["api", "log-shipper"])
        XCTAssertEqual(api.spec?.containers.map(\.memoryLimitBytes), [256 * F.MiB, 64_000_000])
        XCTAssertEqual(api.status?.phase, "Running")
        XCTAssertEqual(api.status?.qosClass, "Burstable")
        let status = try XCTUnwrap(api.status?.containerStatuses?.first)
        XCTAssertEqual(status.parsedContainerID?.runtime, .containerd)
        XCTAssertEqual(status.parsedContainerID?.id, F.apiID)
        XCTAssertEqual(status.restartCount, 2)
        XCTAssertEqual(status.lastState?.terminated?.reason, "OOMKilled")
        XCTAssertEqual(status.lastState?.terminated?.exitCode, 137)
        // Pending pod: no containerID yet.
        XCTAssertNil(list.items[5].status?.containerStatuses?.first?.parsedContainerID)
    }

    func testEmptyAndBrokenBodies() throws {
        XCTAssertEqual(try KubeletPodList.decode(try fixture("pods-empty.json")).items, [])
        XCTAssertThrowsError(try KubeletPodList.decode(try fixture("pods-wrong-type.json"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("items[1].metadata.uid"), text)
        }
        XCTAssertThrowsError(try KubeletPodList.decode(try fixture("pods-truncated.json"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("invalid JSON"), "\(error)")
        }
    }

    func testQuantities() {
        let cases: [(String, UInt64?)] = [
            ("256Mi", 268_435_456), ("1Gi", 1_073_741_824), ("500M", 500_000_000), ("1e9", 1_000_000_000),
            ("128974848", 128_974_848), ("1.5Gi", 1_610_612_736), ("0.5Gi", 536_870_912), ("64M", 64_000_000),
            ("12Ki", 12288), ("129e6", 129_000_000), ("1E3", 1000), ("2k", 2000), ("100m", 1), ("0", 0),
            ("8Ei", 1 << 63), ("1.1Gi", 1_181_116_007), ("+1Mi", 1_048_576),
            ("16Ei", nil), ("18446744073709551616", nil), ("-1Mi", nil), ("abc", nil), ("", nil), ("1Zi", nil),
            ("1.2.3", nil), ("Mi", nil), ("1e", nil),
        ]
        for (text, bytes) in cases {
            XCTAssertEqual(KubernetesQuantity.bytes(text), bytes, text)
        }
    }

    func testEnrichesContainersFromEveryLayout() throws {
        let index = KubeletPodIndex(try KubeletPodList.decode(try fixture("pods.json")))
        let resolver = ContainerResolver()

        let api = index.enrich(resolver.resolve(cgroupPath: F.v2APIPath))
        XCTAssertEqual(api.label, "shop/api-service-7d9f8b6c4d-x2kqp/api")
        XCTAssertEqual(api.podName, "api-service-7d9f8b6c4d-x2kqp")
        XCTAssertEqual(api.namespace, "shop")
        XCTAssertEqual(api.containerName, "api")
        XCTAssertEqual(api.ownerKind, "ReplicaSet")
        XCTAssertEqual(api.workload, "api-service")
        XCTAssertEqual(api.memoryLimitBytes, 256 * F.MiB)
        XCTAssertEqual(api.podPhase, "Running")
        XCTAssertEqual(api.restartCount, 2)
        XCTAssertEqual(api.lastTerminationReason, "OOMKilled")
        XCTAssertEqual(api.qosClass, .burstable)

        // cgroupfs: the path does not name the runtime; the kubelet's containerID does.
        let db = index.enrich(resolver.resolve(cgroupPath: "/kubepods/pod\(F.guaranteedUID)/\(F.dbID)"))
        XCTAssertEqual(db.runtime, .containerd)
        XCTAssertEqual(db.label, "data/postgres-0/postgres")
        XCTAssertEqual(db.workload, "postgres")
        XCTAssertEqual(db.memoryLimitBytes, 512 * F.MiB)

        let batch = index.enrich(resolver.resolve(cgroupPath: F.v2BatchPath))
        XCTAssertEqual(batch.workload, "report", "CronJob's Job suffix dropped")
        XCTAssertNil(batch.memoryLimitBytes)

        let web = index.enrich(resolver.resolve(
            cgroupPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(F.systemd(F.crioUID)).slice/crio-\(F.webID).scope"))
        XCTAssertEqual(web.runtime, .crio)
        XCTAssertEqual(web.label, "web/web-5f7c9d8b6-lm4zt/nginx")
        XCTAssertEqual(web.memoryLimitBytes, 512 * F.MiB)

        // The sandbox (pause) container is not in containerStatuses; its pod still is.
        let pause = index.enrich(resolver.resolve(cgroupPath: F.v2PausePath))
        XCTAssertEqual(pause.label, "data/postgres-0/\(F.pauseID.prefix(12))")
        XCTAssertNil(pause.containerName)
        XCTAssertEqual(pause.podName, "postgres-0")
    }

    func testEnrichesPodsAndLeavesStrangersAlone() throws {
        let index = KubeletPodIndex(try KubeletPodList.decode(try fixture("pods.json")))
        let resolver = ContainerResolver()
        let pod = index.enrich(resolver.resolve(
            cgroupPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(F.systemd(F.burstableUID)).slice"))
        XCTAssertEqual(pod.label, "shop/api-service-7d9f8b6c4d-x2kqp")
        XCTAssertEqual(pod.memoryLimitBytes, 256 * F.MiB + 64_000_000, "sum of the containers' limits")
        XCTAssertNil(pod.containerName)

        let staticPod = index.enrich(resolver.resolve(
            cgroupPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podc5d1b2a39f8e4d7c6b5a49382716f0e1.slice"))
        XCTAssertEqual(staticPod.podName, "kube-apiserver-worker-3")
        XCTAssertEqual(staticPod.workload, "kube-apiserver-worker-3")
        XCTAssertNil(staticPod.memoryLimitBytes, "no container has a memory limit")

        let docker = resolver.resolve(cgroupPath: F.v2DockerPath)
        XCTAssertEqual(index.enrich(docker), docker)
        let unknownPod = resolver.resolve(cgroupPath: "/kubepods/burstable/pod11111111-2222-3333-4444-555555555555/\(F.apiID.reversed().map(String.init).joined())")
        XCTAssertNil(index.enrich(unknownPod).podName)
    }
}
