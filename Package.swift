// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "wharf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wharf", targets: ["wharf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Marathon's data model: app definitions, instances, deployments, events. Foundation only.
        .target(name: "WharfModel"),
        // Pure placement and reconciliation decisions.
        .target(name: "WharfScheduler", dependencies: ["WharfModel"]),
        // Durable state: the StateStore protocol and its SQLite implementation.
        .target(name: "WharfStore", dependencies: [
            "WharfModel",
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // etcd v3 through its JSON gateway: the client, the etcd-backed StateStore, leader election.
        .target(name: "WharfEtcd", dependencies: [
            "WharfStore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Test support: starts throw-away etcd members and clusters on loopback ports (Foundation only).
        .target(name: "WharfEtcdTestSupport", path: "Tests/WharfEtcdTestSupport"),
        // Metric families (names, help, buckets: defined once) over a swift-prometheus registry per instance.
        .target(name: "WharfMetrics", dependencies: [
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Node agent: runtimes, sandboxes, cgroup limits, recovery.
        .target(name: "WharfAgent", dependencies: [
            "WharfModel", "WharfMetrics",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Service discovery: the catalog of routable endpoints, the DNS server, Consul's read API model.
        .target(name: "WharfDiscovery", dependencies: [
            "WharfModel", "WharfMetrics",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Edge router: HTTP reverse proxy and TCP proxy over a live route table.
        .target(name: "WharfRouter", dependencies: [
            "WharfMetrics",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Control plane: Marathon API, event bus, agent link, deployments, reconciler.
        .target(name: "WharfServer", dependencies: [
            "WharfModel", "WharfScheduler", "WharfStore", "WharfEtcd", "WharfAgent", "WharfDiscovery", "WharfRouter", "WharfMetrics",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            // Persistent hash tries: the cluster state's snapshots share structure with it.
            .product(name: "HashTreeCollections", package: "swift-collections"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            // The followers' proxy to the leader's API.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "wharf", dependencies: [
            "WharfServer", "WharfAgent", "WharfModel", "WharfScheduler", "WharfDiscovery", "WharfRouter",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "WharfModelTests", dependencies: ["WharfModel"]),
        .testTarget(name: "WharfSchedulerTests", dependencies: ["WharfScheduler", "WharfModel"]),
        .testTarget(name: "WharfStoreTests", dependencies: [
            "WharfStore", "WharfModel", "WharfEtcd", "WharfEtcdTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WharfEtcdTests", dependencies: [
            "WharfEtcd", "WharfStore", "WharfEtcdTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "WharfAgentTests", dependencies: ["WharfAgent", "WharfModel", "WharfMetrics"]),
        .testTarget(name: "WharfMetricsTests", dependencies: ["WharfMetrics"]),
        .testTarget(name: "WharfDiscoveryTests", dependencies: [
            "WharfDiscovery", "WharfModel", "WharfMetrics",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "WharfRouterTests", dependencies: [
            "WharfRouter", "WharfMetrics",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "WharfServerTests", dependencies: [
            "WharfServer", "WharfModel", "WharfScheduler", "WharfStore", "WharfDiscovery", "WharfMetrics",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "WharfIntegrationTests", dependencies: [
            "WharfModel",
            // To read /metrics as Prometheus does.
            "WharfMetrics",
            // Only to write records into a stopped wharf's state, as another wharf version would.
            "WharfStore",
            // The three-member etcd of the HA tests.
            "WharfEtcdTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            // The TCP proxy that cuts an agent off from its server.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
    ]
)
