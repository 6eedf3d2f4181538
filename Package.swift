// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tapio",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tapio", targets: ["tapio"]),
        .executable(name: "tapio-exporter", targets: ["tapio-exporter"]),
        .executable(name: "tapio-aggregator", targets: ["tapio-aggregator"]),
        .executable(name: "tapio-tail", targets: ["tapio-tail"]),
        .library(name: "TapioWire", targets: ["TapioWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CLibBPF", pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]),

        // The wire protocol: frames, records, LZ4, CRC-32C, handshake, dump files, NIO codecs.
        .target(
            name: "TapioWire",
            dependencies: [
                "CLZ4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // The compiled BPF object (embedded with .incbin) and the kernel/user ABI header.
        .target(name: "CTapioBPF", path: "Sources/CTapioBPF"),

        // Node side: BPF loader and ring reader, cgroup sampler, container resolver.
        .target(
            name: "TapioNode",
            dependencies: [
                "TapioWire", "CLibBPF", "CTapioBPF",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        // Prediction: pure Swift, no I/O, imports nothing of ours.
        .target(name: "TapioPredict"),

        // Aggregator side: server, streams and dedup, journal, state, sinks.
        .target(
            name: "TapioCluster",
            dependencies: [
                "TapioWire", "TapioPredict",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),

        // Deterministic sample data: every record kind, realistic record mixes (tests, vectors,
        // benchmarks, load generation).
        .target(name: "TapioSimulation", dependencies: ["TapioWire"]),

        // Thin command-line front ends.
        .executableTarget(
            name: "tapio",
            dependencies: [
                "TapioWire", "TapioNode", "TapioCluster", "TapioPredict",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "tapio-exporter",
            dependencies: [
                "TapioNode", "TapioWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "tapio-aggregator",
            dependencies: [
                "TapioCluster", "TapioWire", "TapioPredict",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "tapio-tail",
            dependencies: [
                "TapioCluster", "TapioWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tools: golden-vector generator and wire benchmark.
        .executableTarget(
            name: "tapio-vectors", dependencies: ["TapioWire", "TapioSimulation"], path: "tools/vectors"),
        .executableTarget(
            name: "tapio-workload", path: "tools/workload"),
        .executableTarget(
            name: "tapio-loadgen",
            dependencies: [
                "TapioNode", "TapioWire", "TapioSimulation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "tools/loadgen"),
        .executableTarget(
            name: "tapio-oom-bench", dependencies: ["TapioWire", "TapioPredict", "TapioCluster"], path: "tools/oom-bench"),
        .executableTarget(
            name: "tapio-wire-bench", dependencies: ["TapioWire", "TapioSimulation", "CLZ4"], path: "tools/wire-bench"),

        // What tests that run real workloads share: throw-away memory cgroups, built binaries.
        .target(name: "TapioTestSupport", path: "Tests/TapioTestSupport"),
        .testTarget(
            name: "TapioNodeTests",
            // The executable dependency makes `swift test` build the workload the kernel tests run.
            dependencies: ["TapioNode", "TapioWire", "TapioTestSupport", "tapio-workload"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TapioClusterTests",
            dependencies: [
                "TapioCluster", "TapioWire", "TapioSimulation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        // Real processes over real TCP on loopback: the binaries are dependencies so that
        // `swift test` builds them.
        .testTarget(
            name: "TapioEndToEndTests",
            dependencies: ["TapioTestSupport", "tapio-aggregator", "tapio-exporter", "tapio-loadgen", "tapio", "tapio-workload", "tapio-tail", "tapio-oom-bench"]),
        .testTarget(name: "TapioPredictTests", dependencies: ["TapioPredict"]),
        .testTarget(
            name: "TapioWireTests",
            dependencies: [
                "TapioWire", "TapioSimulation", "CLZ4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
