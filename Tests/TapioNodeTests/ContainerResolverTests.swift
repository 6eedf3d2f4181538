import XCTest

@testable import TapioNode

/// Path → identity for every kubelet driver / runtime layout, and the fixture trees end to end.
final class ContainerResolverTests: XCTestCase {
    typealias F = CgroupFixtures
    let resolver = ContainerResolver()

    private func check(
        _ path: String, kind: ContainerIdentity.Kind, runtime: ContainerRuntime, id: String?, uid: String?,
        qos: KubernetesQoSClass?, file: StaticString = #filePath, line: UInt = #line
    ) {
        let identity = resolver.resolve(cgroupPath: path)
        XCTAssertEqual(identity.cgroupPath, path, file: file, line: line)
        XCTAssertEqual(identity.kind, kind, "kind of \(path)", file: file, line: line)
        XCTAssertEqual(identity.runtime, runtime, "runtime of \(path)", file: file, line: line)
        XCTAssertEqual(identity.containerID, id, "id of \(path)", file: file, line: line)
        XCTAssertEqual(identity.podUID, uid, "pod of \(path)", file: file, line: line)
        XCTAssertEqual(identity.qosClass, qos, "qos of \(path)", file: file, line: line)
    }

    func testSystemdDriver() {
        let b = F.systemd(F.burstableUID)
        check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(b).slice/cri-containerd-\(F.apiID).scope",
              kind: .container, runtime: .containerd, id: F.apiID, uid: F.burstableUID, qos: .burstable)
        check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(b).slice/crio-\(F.webID).scope",
              kind: .container, runtime: .crio, id: F.webID, uid: F.burstableUID, qos: .burstable)
        check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(b).slice/docker-\(F.apiID).scope",
              kind: .container, runtime: .docker, id: F.apiID, uid: F.burstableUID, qos: .burstable)
        check("/kubepods.slice/kubepods-pod\(F.systemd(F.guaranteedUID)).slice/cri-containerd-\(F.dbID).scope",
              kind: .container, runtime: .containerd, id: F.dbID, uid: F.guaranteedUID, qos: .guaranteed)
        check("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(F.systemd(F.besteffortUID)).slice/cri-containerd-\(F.batchID).scope",
              kind: .container, runtime: .containerd, id: F.batchID, uid: F.besteffortUID, qos: .besteffort)
        check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(b).slice",
              kind: .pod, runtime: .none, id: nil, uid: F.burstableUID, qos: .burstable)
        check("/kubepods.slice/kubepods-pod\(F.systemd(F.guaranteedUID)).slice",
              kind: .pod, runtime: .none, id: nil, uid: F.guaranteedUID, qos: .guaranteed)
        check("/kubepods.slice/kubepods-burstable.slice", kind: .host, runtime: .none, id: nil, uid: nil, qos: nil)
    }

    func testCRIOConmonIsNotAContainer() {
        let path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(F.systemd(F.crioUID)).slice/crio-conmon-\(F.webID).scope"
        check(path, kind: .runtimeHelper, runtime: .crio, id: F.webID, uid: F.crioUID, qos: .burstable)
        XCTAssertEqual(resolver.resolve(cgroupPath: path).label, "cri-o helper \(F.webID.prefix(12))")
        check("/kubepods/burstable/pod\(F.crioUID)/crio-conmon-\(F.webID)",
              kind: .runtimeHelper, runtime: .crio, id: F.webID, uid: F.crioUID, qos: .burstable)
        check("/kubepods/burstable/pod\(F.crioUID)/crio-\(F.webID)",
              kind: .container, runtime: .crio, id: F.webID, uid: F.crioUID, qos: .burstable)
    }

    func testCgroupfsDriver() {
        check("/kubepods/burstable/pod\(F.burstableUID)/\(F.apiID)",
              kind: .container, runtime: .unknown, id: F.apiID, uid: F.burstableUID, qos: .burstable)
        check("/kubepods/pod\(F.guaranteedUID)/\(F.dbID)",
              kind: .container, runtime: .unknown, id: F.dbID, uid: F.guaranteedUID, qos: .guaranteed)
        check("/kubepods/besteffort/pod\(F.besteffortUID)/\(F.batchID)",
              kind: .container, runtime: .unknown, id: F.batchID, uid: F.besteffortUID, qos: .besteffort)
        check("/kubepods/besteffort/pod\(F.besteffortUID)", kind: .pod, runtime: .none, id: nil, uid: F.besteffortUID, qos: .besteffort)
        check("/kubepods/burstable", kind: .host, runtime: .none, id: nil, uid: nil, qos: nil)
        let hinted = ContainerResolver(cgroupfsRuntime: .containerd).resolve(cgroupPath: "/kubepods/pod\(F.guaranteedUID)/\(F.dbID)")
        XCTAssertEqual(hinted.runtime, .containerd)
    }

    func testContainerdInsideItsOwnUnitAndNestedKindNodes() {
        check("/system.slice/containerd.service/kubepods-besteffort-pod\(F.systemd(F.besteffortUID)).slice:cri-containerd:\(F.batchID)",
              kind: .container, runtime: .containerd, id: F.batchID, uid: F.besteffortUID, qos: .besteffort)
        check("/docker/\(F.dockerCgroupfsID)/kubepods/burstable/pod\(F.burstableUID)/\(F.apiID)",
              kind: .container, runtime: .unknown, id: F.apiID, uid: F.burstableUID, qos: .burstable)
    }

    func testPlainDocker() {
        check("/docker/\(F.dockerCgroupfsID)", kind: .container, runtime: .docker, id: F.dockerCgroupfsID, uid: nil, qos: nil)
        check("/system.slice/docker-\(F.dockerSystemdID).scope",
              kind: .container, runtime: .docker, id: F.dockerSystemdID, uid: nil, qos: nil)
        let labelled = resolver.resolve(cgroupPath: "/docker/\(F.dockerCgroupfsID)", mainCommand: "nginx")
        XCTAssertEqual(labelled.label, "docker 3de7acbac7f4 (nginx)")
        check("/system.slice/docker.service", kind: .host, runtime: .none, id: nil, uid: nil, qos: nil)
        check("/docker/buildkit", kind: .host, runtime: .none, id: nil, uid: nil, qos: nil)
    }

    func testHostCgroupsAreLabelledWithTheirCommand() {
        XCTAssertEqual(resolver.resolve(cgroupPath: "/system.slice/sshd.service", mainCommand: "sshd").label, "sshd.service (sshd)")
        XCTAssertEqual(resolver.resolve(cgroupPath: "/user.slice/user-1000.slice/session-3.scope").label, "session-3.scope")
        XCTAssertEqual(resolver.resolve(cgroupPath: "/").label, "/")
        XCTAssertEqual(resolver.resolve(cgroupPath: "/", mainCommand: "systemd").kind, .host)
    }

    func testPodUIDNormalisation() {
        XCTAssertEqual(ContainerResolver.normalizedPodUID("2C48A299_E1F2_4B3A_9C8D_7E6F5A4B3C2D"), F.burstableUID)
        XCTAssertEqual(ContainerResolver.normalizedPodUID("c5d1b2a39f8e4d7c6b5a49382716f0e1"), "c5d1b2a39f8e4d7c6b5a49382716f0e1")
        XCTAssertNil(ContainerResolver.normalizedPodUID("not-a-uid"))
        XCTAssertNil(ContainerResolver.normalizedPodUID("2c48a299e1f24b3a9c8d7e6f5a4b3c2d00"))
        // Static pods on the systemd driver: the config hash as UID.
        check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podc5d1b2a39f8e4d7c6b5a49382716f0e1.slice",
              kind: .pod, runtime: .none, id: nil, uid: "c5d1b2a39f8e4d7c6b5a49382716f0e1", qos: .burstable)
    }

    /// Every cgroup of every fixture tree resolves to the expected kind.
    func testFixtureTreesEndToEnd() throws {
        let expected: [String: [ContainerIdentity.Kind: Int]] = [
            "cgroup-v2-systemd": [.container: 5, .pod: 3, .host: 6],
            "cgroup-v2-systemd-crio": [.container: 1, .runtimeHelper: 1, .pod: 1, .host: 2],
            "cgroup-v2-cgroupfs": [.container: 4, .pod: 3, .host: 4],
            "cgroup-v1-cgroupfs": [.container: 4, .pod: 3, .host: 5],
            "cgroup-v1-systemd": [.container: 4, .pod: 3, .host: 5],
        ]
        for (tree, counts) in expected {
            let sampler = try CgroupSampler(cgroupRoot: F.path(tree))
            var found: [ContainerIdentity.Kind: Int] = [:]
            for path in sampler.listCgroups() {
                found[resolver.resolve(cgroupPath: path).kind, default: 0] += 1
            }
            XCTAssertEqual(found, counts, tree)
        }
    }

    func testMainCommandFromCgroupProcs() {
        var reader = ProcessCommandReader(procRoot: F.path("proc"))
        let directory = F.path("cgroup-v2-systemd/system.slice/sshd.service")
        XCTAssertEqual(reader.lowestPID(cgroupDirectory: directory), 955)
        let command = reader.mainCommand(cgroupDirectory: directory)
        XCTAssertEqual(command, "sshd")
        XCTAssertEqual(resolver.resolve(cgroupPath: "/system.slice/sshd.service", mainCommand: command).label, "sshd.service (sshd)")
        XCTAssertNil(reader.mainCommand(cgroupDirectory: F.path("cgroup-v2-systemd/kubepods.slice")), "no processes")
        var real = ProcessCommandReader()
        XCTAssertNotNil(real.command(pid: getpid()))
    }
}
