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
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Object model, selectors, patches, schema and Status errors: no I/O.
        .target(
            name: "APIMachinery",
            dependencies: [.product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources/definitions.json"), .copy("Resources/protobuf-fields.json")]
        ),
        // Revisioned key-value storage with etcd's semantics.
        .target(
            name: "Storage",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The catalog of served resources and each kind's defaulting, validation and field selectors.
        .target(name: "Registry", dependencies: ["APIMachinery"]),
        // Server-side Table columns and cells for each kind (what `kubectl get` prints).
        .target(name: "Printers", dependencies: ["APIMachinery", "Registry"]),
        // OpenAPI v3 documents and strict field validation, from the bundled schema.
        .target(name: "OpenAPI", dependencies: ["APIMachinery", "Registry"]),
        // The kube-apiserver.
        .target(
            name: "APIServer",
            dependencies: [
                "APIMachinery", "Storage", "Registry", "Printers", "OpenAPI", "PKI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The one client every component uses: requests, watches, reflectors and informers.
        .target(
            name: "Client",
            dependencies: [
                "APIMachinery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The cluster's certificate authority: keys, certificates, PEM files, kubeconfigs.
        .target(
            name: "PKI",
            dependencies: [
                "APIMachinery",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The node agent: registration, heartbeats, pod workers over a container runtime.
        .target(
            name: "Kubelet",
            dependencies: ["APIMachinery", "Client", .product(name: "Logging", package: "swift-log")]
        ),
        // The kind-like cluster tool: clusters of supervised component processes.
        .target(
            name: "Cluster",
            dependencies: ["APIMachinery", "Client", "PKI", .product(name: "Logging", package: "swift-log")]
        ),
        // The kube-scheduler: framework plugins over a snapshot, a queue with backoff, assume-then-bind.
        .target(name: "Scheduler", dependencies: ["APIMachinery", "Client", .product(name: "Logging", package: "swift-log")]),
        // The controller manager: level-triggered reconcilers over shared informers.
        .target(name: "Controllers", dependencies: ["APIMachinery", "Client", .product(name: "Logging", package: "swift-log")]),
        // kube-proxy: Services and EndpointSlices → one nftables table per node, applied as diffed transactions.
        .target(
            name: "Proxy",
            dependencies: [
                "APIMachinery", "Client",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "SkiffCLI",
            dependencies: [
                "APIServer", "Storage", "APIMachinery", "Client", "Kubelet", "Cluster", "Scheduler", "Controllers", "Proxy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "APIMachineryTests", dependencies: ["APIMachinery"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "APIMachinery"]),
        .testTarget(name: "PrintersTests", dependencies: ["Printers", "Registry", "APIMachinery"]),
        .testTarget(name: "OpenAPITests", dependencies: ["OpenAPI", "Registry", "APIMachinery"]),
        .testTarget(name: "ClientTests", dependencies: ["Client", "APIServer", "APIMachinery", "Storage"]),
        .testTarget(name: "PKITests", dependencies: ["PKI", "APIMachinery"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "APIMachinery"]),
        .testTarget(name: "APIServerTests", dependencies: ["APIServer", "APIMachinery", "Storage"]),
        .testTarget(name: "KubeletTests", dependencies: ["Kubelet", "APIMachinery"]),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "Client", "APIServer", "APIMachinery", "Storage"]),
        .testTarget(name: "ControllersTests", dependencies: ["Controllers", "Client", "APIServer", "APIMachinery", "Storage"]),
    ],
    swiftLanguageModes: [.v6]
)
