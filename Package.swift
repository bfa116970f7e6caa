// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "skiff",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "skiff", targets: ["SkiffCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Object model, selectors, patches, schema and Status errors: no I/O.
        .target(
            name: "APIMachinery",
            dependencies: [.product(name: "Yams", package: "Yams")],
            resources: [
                .copy("Resources/definitions.json"), .copy("Resources/protobuf-fields.json"),
                .copy("Resources/json-field-order.txt"),
            ]
        ),
        // Revisioned key-value storage with etcd's semantics.
        .target(
            name: "Storage",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The etcd store: `KeyValueStore` over etcd's v3 gRPC API (KV, Watch, Lease, Maintenance.Status), so
        // `--storage etcd` keeps every object in an etcd cluster under upstream's keys. Its own target so that
        // Storage (and everything that links it) does not link gRPC. Generated/ is produced by scripts/gen-etcd.sh
        // from Proto/{rpc,kv}.proto and committed.
        .target(
            name: "EtcdStorage",
            dependencies: [
                "Storage", "GRPCPingResponder",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Proto"]
        ),
        // The catalog of served resources and each kind's defaulting, validation and field selectors.
        .target(name: "Registry", dependencies: ["APIMachinery"]),
        // Server-side Table columns and cells for each kind (what `kubectl get` prints).
        .target(name: "Printers", dependencies: ["APIMachinery"]),
        // OpenAPI v3 and v2 documents and strict field validation, from the bundled schema. Generated/ is
        // produced by scripts/gen-openapiv2.sh from Proto/OpenAPIv2.proto and committed.
        .target(
            name: "OpenAPI",
            dependencies: ["APIMachinery", "Registry", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"]
        ),
        // Streams between kubectl, the API server, kubelets and the runtime's streaming server: the
        // remote-command WebSocket channel protocols, a NIO WebSocket client and relay, and a SPDY/3.1
        // client (framer, session, flow control) for the kubelet's exec and attach to containerd.
        // The system zlib (zlib1g-dev): SPDY header blocks are deflated with a preset dictionary, which no
        // mirrored package's zlib wrapper exposes.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "KubeStreaming",
            dependencies: [
                "APIMachinery", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The kube-apiserver.
        .target(
            name: "APIServer",
            dependencies: [
                "APIMachinery", "Storage", "Registry", "Printers", "OpenAPI", "PKI", "KubeStreaming", "NetworkNamespaces",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                // Encryption at rest: AES-GCM, and AES-CBC from the extras.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The one client every component uses: requests, watches, reflectors and informers.
        .target(
            name: "Client",
            dependencies: [
                "APIMachinery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The cluster's certificate authority: keys, certificates, PEM files, kubeconfig files (the document
        // itself is APIMachinery's Kubeconfig, which Client reads too).
        .target(
            name: "PKI",
            dependencies: [
                "APIMachinery",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The kubelet's client for the CRI runtime.v1 RuntimeService and ImageService (gRPC over containerd's
        // Unix socket). Generated/ is produced by scripts/gen-cri.sh from Proto/api.proto and committed.
        // Answers a grpc-go server's HTTP/2 PINGs ahead of swift-nio-http2, which closes a connection that
        // gets more than 200 in 30 s (grpc-go sends one per request it receives): for CRI and the etcd store.
        .target(name: "GRPCPingResponder", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "CRI",
            dependencies: [
                "GRPCPingResponder",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Proto"]
        ),
        // The node agent: registration, heartbeats, pod workers over a container runtime.
        .target(
            name: "Kubelet",
            dependencies: [
                "APIMachinery", "Client", "CRI", "PKI", "KubeStreaming", "NetworkNamespaces", "StaticPods",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The control-plane components a node runs outside the API: what the cluster tool writes and the
        // kubelet mirrors (upstream: the manifests in /etc/kubernetes/manifests). Its own target so the cluster
        // tool does not link the kubelet for one struct.
        .target(name: "StaticPods", dependencies: ["APIMachinery"]),
        // Work inside a node's network namespace from the root one (setns on a throwaway thread).
        .target(name: "NetworkNamespaces"),
        // The kind-like cluster tool: clusters of supervised component processes.
        .target(
            name: "Cluster",
            dependencies: [
                "APIMachinery", "Client", "PKI", "StaticPods", "NetworkNamespaces",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The kube-scheduler: framework plugins over a snapshot, a queue with backoff, assume-then-bind.
        .target(name: "Scheduler", dependencies: [
            "APIMachinery", "Client", .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Logging", package: "swift-log"),
        ]),
        // The controller manager: level-triggered reconcilers over shared informers.
        .target(name: "Controllers", dependencies: [
            "APIMachinery", "Client", .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Logging", package: "swift-log"),
        ]),
        // The plain-HTTP `/metrics` and `/healthz` listener the proxy, scheduler, controller manager and DNS share.
        .target(
            name: "ComponentMetrics",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // kube-proxy: Services and EndpointSlices → one nftables table per node, applied as diffed transactions.
        .target(
            name: "Proxy",
            dependencies: [
                "APIMachinery", "Client", "ComponentMetrics",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // NetworkPolicy enforcement: policies, pods and namespaces → one nftables table per node (run by `skiff proxy`).
        .target(
            name: "NetworkPolicy",
            dependencies: ["APIMachinery", "Client", "Proxy", .product(name: "Logging", package: "swift-log")]
        ),
        // Cluster DNS (the CoreDNS kubernetes plugin's records): message codec, resolver over informers, UDP/TCP server.
        .target(
            name: "DNS",
            dependencies: [
                "APIMachinery", "Client", "NetworkNamespaces",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The built-in Ingress controller: routing table from the Ingress API, and a SwiftNIO reverse proxy
        // (HTTP/1.1, HTTP/2 by ALPN, TLS by SNI, WebSocket passthrough) in front of the pods.
        .target(
            name: "Ingress",
            dependencies: [
                "APIMachinery", "Client", "NetworkNamespaces", "PKI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The load generators behind `skiff bench scheduler` and `skiff bench dns`, kept out of the
        // components they measure.
        .target(name: "Benchmarks", dependencies: [
            "APIMachinery", "Scheduler", "DNS", "NetworkNamespaces",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The fuzzers behind `skiff bench fuzz` and the CI passes in APIServerTests and FuzzingTests: API
        // requests and every other parser of outside input.
        .target(name: "Fuzzing", dependencies: [
            "APIMachinery", "APIServer", "DNS", "Kubelet", "KubeStreaming",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        .executableTarget(
            name: "SkiffCLI",
            dependencies: [
                "CRI", "ComponentMetrics",
                "APIServer", "Storage", "EtcdStorage", "APIMachinery", "Client", "Kubelet", "Cluster", "Scheduler", "Controllers", "DNS", "Proxy", "NetworkPolicy", "Ingress", "Benchmarks", "Fuzzing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // lld with packed relative relocations (DT_RELR, glibc >= 2.36): the PIE's ~78,000 relative
            // relocations shrink from 2.4 MB of RELA entries, which every process reads at start and keeps
            // resident, to a few KB. Every Skiff component is this executable, so it pays once per process.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux]))]
        ),
        .testTarget(name: "IngressTests", dependencies: [
            "Ingress", "APIMachinery", "PKI", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "TestSupport"]),
        .testTarget(name: "CRITests", dependencies: ["CRI", "GRPCPingResponder", "TestSupport", .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "APIMachineryTests", dependencies: ["APIMachinery"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "EtcdStorage", "TestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "APIMachinery"]),
        .testTarget(name: "PrintersTests", dependencies: ["Printers", "APIMachinery"]),
        .testTarget(name: "OpenAPITests", dependencies: [
            "OpenAPI", "Registry", "APIMachinery", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // What the suites that run components against a real in-process API server share.
        .target(name: "TestSupport", dependencies: ["APIServer", "Client", "Storage", "APIMachinery"], path: "SwiftTests/TestSupport"),
        .testTarget(name: "ClientTests", dependencies: ["Client", "APIServer", "APIMachinery", "Storage", "TestSupport"]),
        .testTarget(name: "PKITests", dependencies: ["PKI", "APIMachinery", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "TestSupport", "APIMachinery"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "ComponentMetrics", "Client", "APIMachinery", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "APIServerTests", dependencies: [
            "APIServer", "APIMachinery", "Storage", "KubeStreaming", "Kubelet", "PKI", "OpenAPI", "Fuzzing",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "KubeletTests", dependencies: [
            "Kubelet", "KubeStreaming", "APIMachinery", "CRI", "StaticPods", "Client", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubeStreamingTests", dependencies: [
            "KubeStreaming",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "DNSTests", dependencies: ["DNS", "APIMachinery", "Client", "APIServer", "Storage", "Controllers", "TestSupport"]),
        .testTarget(name: "NetworkPolicyTests", dependencies: ["NetworkPolicy", "Proxy", "APIMachinery"]),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "ComponentMetrics", "Client", "APIServer", "APIMachinery", "Storage", "TestSupport"]),
        .testTarget(name: "ControllersTests", dependencies: ["Controllers", "Client", "APIServer", "APIMachinery", "Storage", "PKI", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// The Swift suites live in SwiftTests/, not SwiftPM's default Tests/: the end-to-end suites and the seed
// ratchet live in tests/, and two top-level folders that differ only by case break case-insensitive
// checkouts (macOS, Windows) and confuse every reader.
for target in package.targets where target.type == .test {
    target.path = "SwiftTests/\(target.name)"
}
