import APIMachinery
import ArgumentParser
import Client
import Foundation
import Synchronization

/// `skiff bench api`: starts its own `skiff apiserver` (SQLite store in a temporary directory) and measures
/// it over HTTP: cold start, concurrent pod creates, paced single-object writes, watch event latency with
/// many watchers, and resident memory holding the created pods. Bounded in count and time; loopback only.
/// `--compare-idle-with` and `--compare-authorization-audit` run a comparison of two servers instead.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "Benchmark the API server.")

    @Option(help: "Pods to create in the throughput phase.") var pods = 10_000
    @Option(help: "Concurrent clients in the throughput phase.") var clients = 32
    @Option(help: "Writes per second in the paced-latency phase.") var rate = 200
    @Option(help: "Seconds of paced writes.") var pacedSeconds = 10
    @Option(help: "Watchers in the watch-latency phase.") var watchers = 100
    @Option(help: "Events to send to the watchers.") var watchEvents = 200
    @Option(help: "Storage backend of the server under test: sqlite, memory, or etcd (with --etcd-servers).") var storage = "sqlite"
    @Option(help: "With --storage etcd: the etcd members the server under test uses (an empty etcd: the bench creates namespace bench).")
    var etcdServers: String?
    @Option(help: "Custom resources to create after defining a CRD (0 skips the phase).") var customResources = 1_000
    @Option(help: "Another skiff executable: only compare its API server's idle RSS with this build's, in alternating rounds.")
    var compareIdleWith: String?
    @Flag(help: "Only compare concurrent create throughput over HTTPS with client certificates between Node,RBAC authorization with a Metadata audit policy and AlwaysAllow without audit, in alternating rounds (uses --pods, --clients, --rounds).")
    var compareAuthorizationAudit = false
    @Option(help: "Rounds of a comparison (--compare-idle-with, --compare-authorization-audit), per side.") var rounds = 3

    func run() async throws {
        if let baseline = compareIdleWith {
            try await IdleMemoryComparison(baseline: baseline, rounds: rounds, settle: .seconds(5)).run()
            return
        }
        if compareAuthorizationAudit {
            try await AuthorizationAuditComparison(pods: pods, clients: clients, rounds: rounds).run()
            return
        }
        var clientConfig = ClientConfig(server: "http://127.0.0.1:\(BenchAPIServer.port())", userAgent: "skiff-bench")
        clientConfig.maxConnections = max(clients, watchers) + 16
        let client = KubeClient(clientConfig)
        var storageArguments: [String] = []
        if storage == "etcd" {
            guard let etcdServers else { throw ValidationError("--storage etcd needs --etcd-servers") }
            storageArguments = ["--etcd-servers", etcdServers]
        }
        let server = try await BenchAPIServer(storage: storage, probe: client, port: BenchAPIServer.port(), arguments: storageArguments)
        defer { server.stop() }
        let proc = server.process
        print(String(format: "cold start to /readyz 200: %.0f ms", server.coldStart.seconds * 1000))
        print(String(format: "idle RSS: %.1f MiB", residentMiB(pid: proc.processIdentifier)))

        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        let podsPath = ResourcePath.pods.inNamespace("bench")

        // 2. Concurrent creates.
        let createLatency = LatencyRecorder()
        let total = pods
        let t0 = ContinuousClock.now
        try await concurrently(total, workers: clients) { i in
            let s = ContinuousClock.now
            try await client.create(podsPath, Self.pod("p-\(i)"))
            createLatency.record((ContinuousClock.now - s).seconds)
        }
        let createSeconds = (ContinuousClock.now - t0).seconds
        print(String(format: "creates: %d pods with %d clients in %.2f s = %.0f creates/s; %@", total, clients, createSeconds,
                     Double(total) / createSeconds, createLatency.summary()))
        print(String(format: "RSS holding %d pods: %.1f MiB", total, residentMiB(pid: proc.processIdentifier)))

        // 3. List and get.
        let listStart = ContinuousClock.now
        let list = try await client.list(podsPath)
        print(String(format: "list of %d pods: %.0f ms", list["items"]?.array?.count ?? 0, (ContinuousClock.now - listStart).seconds * 1000))
        let getLatency = LatencyRecorder()
        for i in 0..<500 {
            let s = ContinuousClock.now
            _ = try await client.get(podsPath, "p-\(i * max(total / 500, 1) % max(total, 1))")
            getLatency.record((ContinuousClock.now - s).seconds)
        }
        print("get (sequential): \(getLatency.summary())")

        // 4. Paced single-object writes.
        let pacedLatency = LatencyRecorder()
        let interval = Duration.seconds(1) / rate
        let pacedTotal = rate * pacedSeconds
        let pacedStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<pacedTotal {
                try await Task.sleep(until: pacedStart + interval * i, clock: .continuous)
                group.addTask {
                    let s = ContinuousClock.now
                    try await client.patch(podsPath, "p-\(i % max(total, 1))", ["metadata": ["labels": ["tick": .string(String(i))]]])
                    pacedLatency.record((ContinuousClock.now - s).seconds)
                }
            }
            try await group.waitForAll()
        }
        print("paced writes at \(rate)/s for \(pacedSeconds) s: \(pacedLatency.summary())")

        // 5. Watch latency: every watcher sees every event; latency from just before the write is sent.
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench-watch"]])
        let watchPath = ResourcePath.configmaps.inNamespace("bench-watch")
        let rv = try await client.list(watchPath)[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        let watchLatency = LatencyRecorder()
        let events = watchEvents
        let ready = SharedCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<watchers {
                group.addTask {
                    var seen = 0
                    _ = ready.next()
                    for try await ev in client.watch(watchPath, resourceVersion: rv) where ev.type == "ADDED" {
                        let received = Date().timeIntervalSince1970
                        if let sent = Double(ev.object[path: ["metadata", "annotations", "sent"]]?.string ?? "") {
                            watchLatency.record(received - sent)
                        }
                        seen += 1
                        if seen == events { return }
                    }
                }
            }
            while ready.current < watchers { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(500))
            for i in 0..<events {
                let cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": ["name": .string("w-\(i)"), "annotations": ["sent": .string(String(Date().timeIntervalSince1970))]]]
                try await client.create(watchPath, cm)
                try await Task.sleep(for: .milliseconds(10))
            }
            try await group.waitForAll()
        }
        print("event to watcher with \(watchers) watchers (from write sent): \(watchLatency.summary())")

        // 6. Custom resources: CRD creation to served, then concurrent creates.
        if customResources > 0 { try await CustomResourceBench.run(client: client, count: customResources, clients: clients) }
        print(String(format: "final RSS: %.1f MiB", residentMiB(pid: proc.processIdentifier)))
        await client.shutdown()
    }

    static func pod(_ name: String) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "labels": ["app": "bench"]],
            "spec": ["containers": [["name": "c", "image": "nginx:alpine", "resources": ["requests": ["cpu": "10m", "memory": "16Mi"]]]]],
        ]
    }
}
