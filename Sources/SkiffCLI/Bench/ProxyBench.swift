import APIMachinery
import APIServer
import ArgumentParser
import Client
import Foundation
import Logging
import Proxy
import Storage

/// `skiff bench proxy`: the nftables proxy at scale, in a temporary network namespace (root only).
///
/// 1. Rule generation and application alone: N services × E endpoints, a full sync into an empty table, a
///    full resync over it, one partial sync.
/// 2. End to end: an in-process API server (memory store) holding the same services and slices, the real
///    `ProxyServer` (informers, sync loop) programming the namespace, then single-EndpointSlice changes one
///    at a time, each stamped with `last-change-trigger-time` = now, timed until their transaction lands.
/// Bounded in count and time; loopback and its own namespace only.
struct ProxyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxy", abstract: "Benchmark the nftables proxy.")

    @Option(help: "Services.") var services = 1000
    @Option(help: "Ready endpoints per service.") var endpoints = 3
    @Option(help: "Single-EndpointSlice changes to time.") var changes = 100
    @Option(help: "Milliseconds between changes (above --min-sync-period, so each is its own sync).") var pauseMs = 300
    @Option(help: "The proxy's --min-sync-period (Go duration).") var minSyncPeriod = "250ms"

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("skiff bench proxy needs root (it creates a network namespace)") }
        guard let minSync = GoDuration.parse(minSyncPeriod) else { throw ValidationError("--min-sync-period: not a duration") }
        let netns = "skiff-pbench-\(getpid())"
        try await CommandRunner.check(["ip", "netns", "add", netns])
        do {
            try await body(netns: netns, minSync: minSync)
        } catch {
            _ = try? await CommandRunner.run(["ip", "netns", "del", netns])
            throw error
        }
        _ = try? await CommandRunner.run(["ip", "netns", "del", netns])
    }

    func serviceObject(_ i: Int) -> JSON {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string("svc-\(i)"), "namespace": "bench"],
         "spec": ["type": i % 10 == 0 ? "NodePort" : "ClusterIP", "selector": ["app": .string("svc-\(i)")],
                  "ports": [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080]]]]
    }

    func endpointIPs(_ i: Int, generation: Int = 0) -> [String] {
        (0..<endpoints).map { e in
            let n = (i * endpoints + e + generation * 7919) % 62500
            return "10.\(244 + e % 8).\(n / 250).\(n % 250 + 2)"
        }
    }

    func sliceObject(_ i: Int, ips: [String], trigger: Date? = nil) -> JSON {
        var meta: JSON = ["name": .string("svc-\(i)-abcde"), "namespace": "bench", "labels": ["kubernetes.io/service-name": .string("svc-\(i)")]]
        if let trigger { meta["annotations"] = ["endpoints.kubernetes.io/last-change-trigger-time": .string(RFC3339.microTime(trigger))] }
        return ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta, "addressType": "IPv4",
                "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
                "endpoints": .array(ips.map { ["addresses": [.string($0)], "conditions": ["ready": true]] })]
    }

    func print(_ s: String) {
        Swift.print(s)
        fflush(nil)
    }

    func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }

    func body(netns: String, minSync: Duration) async throws {
        var logger = Logger(label: "bench-proxy")
        logger.logLevel = .warning
        print("\(services) services × \(endpoints) endpoints, network namespace \(netns)")

        // 1. Generation and application alone.
        let direct = Proxier(executor: NFTCommand(netns: netns), logger: logger)
        for i in 0..<services {
            var s = serviceObject(i)
            s[path: ["spec", "clusterIP"]] = .string("10.96.\(i / 250).\(i % 250 + 2)")
            if i % 10 == 0 { s[path: ["spec", "ports"]] = [["name": "http", "port": 80, "protocol": "TCP", "nodePort": .int(Int64(30000 + i))]] }
            direct.state.updateService(s)
            direct.state.updateEndpointSlice(sliceObject(i, ips: endpointIPs(i)), timed: false)
        }
        direct.state.markServicesSynced()
        direct.state.markEndpointSlicesSynced()
        let first = try await direct.syncOnce()
        print("full sync, empty table: compute \(ms(first.computeSeconds)), nft \(ms(first.applySeconds)), \(first.commands) commands, \(first.scriptBytes / 1024) KiB; \(first.summary)")
        let resync = try await direct.syncOnce(forceFull: true)
        print("full resync over it: compute \(ms(resync.computeSeconds)) (includes listing the table), nft \(ms(resync.applySeconds))")
        direct.state.updateEndpointSlice(sliceObject(7, ips: endpointIPs(7, generation: 1)))
        let partial = try await direct.syncOnce()
        print("one slice changed, partial sync: compute \(ms(partial.computeSeconds)), nft \(ms(partial.applySeconds)), \(partial.commands) commands")
        try await CommandRunner.check(["ip", "netns", "exec", netns, "nft", "delete", "table", "ip", "skiff-proxy"])

        // 2. End to end through an API server.
        var config = APIServerConfig()
        config.port = 0
        config.serviceCIDR = "10.96.0.0/16"
        let server = try APIServer(config: config, store: try openStore(.memory), logger: logger)
        let (ports, portsContinuation) = AsyncStream.makeStream(of: Int.self)
        let serverTask = Task {
            defer { portsContinuation.finish() }
            try await server.run { portsContinuation.yield($0) }
        }
        defer { serverTask.cancel() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw ValidationError("the API server did not start") }
        var clientConfig = ClientConfig(server: "http://127.0.0.1:\(port)", userAgent: "skiff-bench-proxy")
        clientConfig.maxConnections = 32
        let client = KubeClient(clientConfig)
        do {
            try await endToEnd(client: client, netns: netns, minSync: minSync, logger: logger)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        serverTask.cancel()
        _ = await serverTask.result
    }

    func endToEnd(client: KubeClient, netns: String, minSync: Duration, logger: Logger) async throws {
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        let svcPath = ResourcePath.services.inNamespace("bench"), slicePath = ResourcePath.endpointslices.inNamespace("bench")
        let t0 = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<16 {
                group.addTask {
                    for i in stride(from: w, to: services, by: 16) {
                        try await client.create(svcPath, serviceObject(i))
                        try await client.create(slicePath, sliceObject(i, ips: endpointIPs(i)))
                    }
                }
            }
            try await group.waitForAll()
        }
        print("created \(services) services and slices through the API in \(ms((ContinuousClock.now - t0).seconds))")

        var options = ProxyServerOptions(nodeName: "bench", netns: netns)
        options.metricsBindAddress = nil
        options.proxier.minSyncPeriod = minSync
        options.proxier.syncPeriod = .seconds(3600)
        options.logger = logger
        let proxy = ProxyServer(client: client, options: options)
        let started = ContinuousClock.now
        let proxyTask = Task { try await proxy.run() }
        defer { proxyTask.cancel() }
        while !proxy.proxier.isHealthy {
            guard ContinuousClock.now - started < .seconds(60) else { throw ValidationError("the proxy did not sync within 60 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        print("proxy start (list + watch + first full sync): \(ms((ContinuousClock.now - started).seconds))")

        let samples = proxy.proxier.metrics.programmingSamples
        samples.reset()
        var timeouts = 0
        let deadline = ContinuousClock.now + .seconds(Int64(changes) * Int64(pauseMs + 2000) / 1000 + 30)
        for c in 0..<changes {
            let i = (c * 37) % services
            let before = samples.total
            try await client.patch(slicePath, "svc-\(i)-abcde", sliceObject(i, ips: endpointIPs(i, generation: c + 1), trigger: Date()))
            let waitStart = ContinuousClock.now
            while samples.total == before {
                if ContinuousClock.now - waitStart > .seconds(5) || ContinuousClock.now > deadline { timeouts += 1; break }
                try await Task.sleep(for: .milliseconds(1))
            }
            if ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(pauseMs))
        }
        print("network programming latency, \(samples.total) single-EndpointSlice changes (API write → watch → sync → nft done): "
              + "p50 \(ms(samples.percentile(50) ?? .nan)), p90 \(ms(samples.percentile(90) ?? .nan)), p99 \(ms(samples.percentile(99) ?? .nan)), "
              + "max \(ms(samples.percentile(100) ?? .nan))" + (timeouts > 0 ? "; \(timeouts) not seen within 5 s" : ""))
        let syncs = proxy.proxier.metrics.syncSamples
        print("sync durations (all syncs of the proxy): \(syncs.summary)")
        proxyTask.cancel()
        _ = await proxyTask.result
    }
}
