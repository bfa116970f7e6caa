import APIMachinery
import APIServer
import Client
import ComponentMetrics
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Proxy

/// The proxy as `skiff proxy` runs it: informers on a real API server (in-process, memory store), the
/// sync loop, nft in a temporary namespace, and the metrics server.
@Suite(.enabled(if: Root.available), .timeLimit(.minutes(2)))
struct ProxyServerTests {
    @Test func followsTheAPIAndServesMetrics() async throws {
        let server = try await TestAPIServer.start()
        defer { server.task.cancel() }
        let client = server.client(userAgent: "proxy-tests")
        do {
            try await withNetns(1) { ns in try await run(client, ns[0]) }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    func run(_ client: KubeClient, _ ns: TestNetns) async throws {
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "t"]])
        var web = Fixtures.service("web", namespace: "t", clusterIP: "", ports: [("http", 80, "TCP", nil)])
        web[path: ["spec", "clusterIP"]] = nil
        web[path: ["spec", "clusterIPs"]] = nil
        let created = try await client.create(ResourcePath.services.inNamespace("t"), web)
        let clusterIP = try #require(created[path: ["spec", "clusterIP"]]?.string)
        let slices = ResourcePath.endpointslices.inNamespace("t")
        try await client.create(slices, Fixtures.slice("web-1", service: "web", namespace: "t", ports: [("http", 8080, "TCP")], endpoints: [("10.244.0.5", true)]))

        var options = ProxyServerOptions(nodeName: "n1", netns: ns.name)
        options.metricsBindAddress = nil
        options.proxier.minSyncPeriod = .milliseconds(50)
        var log = Logger(label: "proxy")
        log.logLevel = .warning
        options.logger = log
        let proxy = ProxyServer(client: client, options: options)
        let task = Task { try await proxy.run() }
        defer { task.cancel() }
        let nft = NFTCommand(netns: ns.name)
        func elements(_ map: String) async throws -> Set<String> {
            guard let t = try await nft.listTable(layout: TableLayout()) else { return [] }
            return TableState(t).elements[map] ?? []
        }
        // (The API server's own `kubernetes` Service is there too.)
        func mentions(_ map: String) async throws -> Bool { try await elements(map).contains { $0.contains("\"\(clusterIP)\"") } }
        try await waitFor { try await mentions("service-ips") }
        try await waitFor { proxy.proxier.isHealthy }

        // The slice's only endpoint stops being ready: the service is rejected; the change is timed from
        // its trigger-time annotation.
        try await client.update(slices, Fixtures.slice(
            "web-1", service: "web", namespace: "t", ports: [("http", 8080, "TCP")], endpoints: [("10.244.0.5", false)],
            triggerTime: Date()).withResourceVersion(try await client.get(slices, "web-1")))
        try await waitFor { try await mentions("no-endpoint-services") }
        try await waitFor { proxy.proxier.metrics.programmingSamples.total == 1 }
        #expect(try await !mentions("service-ips"))

        // The Service goes: nothing of it stays.
        try await client.delete(ResourcePath.services.inNamespace("t"), "web")
        try await waitFor {
            let rejected = try await mentions("no-endpoint-services"), known = try await mentions("cluster-ips")
            return !rejected && !known
        }
    }

    @Test func metricsAndHealth() async throws {
        let metrics = ProxyMetrics()
        metrics.observeProgramming(0.2)
        let healthy = Mutex(false)
        let server = MetricsServer(host: "127.0.0.1", port: 0, logger: Logger(label: "m"), render: { metrics.render() }) {
            healthy.withLock { $0 } ? nil : "no sync yet"
        }
        let (ports, c) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run { c.yield($0) } }
        defer { task.cancel() }
        var it = ports.makeAsyncIterator()
        let port = try #require(await it.next())
        let client = KubeClient(ClientConfig(server: "http://127.0.0.1:\(port)"))
        do {
            let text = String(decoding: try await client.raw(.GET, "/metrics").body, as: UTF8.self)
            #expect(text.contains("kubeproxy_network_programming_duration_seconds_bucket{le=\"0.25\"} 1"))
            #expect(text.contains("kubeproxy_network_programming_duration_seconds_count 1"))
            #expect(try await client.raw(.GET, "/healthz").status == 503)
            healthy.withLock { $0 = true }
            #expect(try await client.raw(.GET, "/healthz").status == 200)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        #expect(MetricsServer.parseBindAddress("127.0.0.1:10249")! == ("127.0.0.1", 10249))
        #expect(MetricsServer.parseBindAddress("") == nil)
        #expect(GoDuration.parse("1m30s") == .seconds(90) && GoDuration.parse("250ms") == .milliseconds(250) && GoDuration.parse("x") == nil)
    }
}

extension JSON {
    /// This object with `metadata.resourceVersion` taken from `current` (for a PUT).
    func withResourceVersion(_ current: JSON) -> JSON {
        var o = self
        o[path: ["metadata", "resourceVersion"]] = current[path: ["metadata", "resourceVersion"]]
        return o
    }
}
