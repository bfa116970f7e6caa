import APIMachinery
import ArgumentParser
import Benchmarks
import Client
import Foundation
import Scheduler

/// `skiff bench scheduler`: scheduling decisions per second over simulated nodes (framework, snapshot and
/// assume; no API round trips), the scheduler's own share of pod start-up; with `--through-api`, the
/// whole path as upstream's scheduler_perf measures it: a real `skiff apiserver` holding the nodes and the
/// pending pods, a real `skiff scheduler` process, and pods counted as scheduled once a watch sees them
/// bound (binding subresource and `Scheduled` event included).
struct SchedulerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Benchmark the scheduler.")
    @Option(help: "Simulated nodes.") var nodes = 1000
    @Option(help: "Pods to place.") var pods = 10000
    @Flag(help: "Measure through a real API server and scheduler process instead of the core alone.") var throughAPI = false
    @Option(help: "With --through-api: concurrent clients creating the nodes and pods.") var clients = 32
    @Option(help: "With --through-api: storage backend of the API server.") var storage = "sqlite"

    func run() async throws {
        if throughAPI {
            try await runThroughAPI()
        } else {
            print(benchmarkSchedule(nodes: nodes, pods: pods))
        }
    }

    private func runThroughAPI() async throws {
        var config = ClientConfig(server: "http://127.0.0.1:\(BenchAPIServer.port())", userAgent: "skiff-bench")
        config.maxConnections = clients + 8
        let client = KubeClient(config)
        let server = try await BenchAPIServer(storage: storage, probe: client, port: BenchAPIServer.port())
        defer { server.stop() }
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])

        let setupStart = ContinuousClock.now
        try await concurrently(nodes, workers: clients) { i in
            try await client.create(.nodes, Self.node(i))
        }
        let podsPath = ResourcePath.pods.inNamespace("bench")
        try await concurrently(pods, workers: clients) { i in
            try await client.create(podsPath, Self.pod(i))
        }
        print(String(format: "set-up: %d nodes and %d pending pods created in %.1f s", nodes, pods, (ContinuousClock.now - setupStart).seconds))

        // Count bindings from a watch started before the scheduler, so none is missed.
        let listed = try await client.list(podsPath)
        let rv = listed[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        let total = pods
        let counting = Task { () throws -> (first: ContinuousClock.Instant, last: ContinuousClock.Instant) in
            var bound = Set<String>()
            var first: ContinuousClock.Instant?
            for try await event in client.watch(podsPath, resourceVersion: rv) {
                guard let node = event.object[path: ["spec", "nodeName"]]?.string, !node.isEmpty,
                      let name = event.object[path: ["metadata", "name"]]?.string else { continue }
                bound.insert(name)
                if first == nil { first = .now }
                if bound.count == total, let first { return (first, .now) }
            }
            throw BenchError("the watch ended before every pod was bound")
        }

        let scheduler = Process()
        scheduler.executableURL = URL(fileURLWithPath: BenchAPIServer.executable)
        scheduler.arguments = ["scheduler", "--kubeconfig", try server.writeKubeconfig(), "--leader-elect", "false", "--log-level", "warning"]
        scheduler.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let start = ContinuousClock.now
        try scheduler.run()
        defer {
            scheduler.terminate()
            scheduler.waitUntilExit()
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(300))
            counting.cancel()
        }
        let (first, end) = try await counting.value
        deadline.cancel()
        let seconds = (end - start).seconds
        print(String(format: "scheduler through the API: %d pods over %d nodes bound in %.2f s = %.0f pods/s "
                     + "(from spawning skiff scheduler: its start, informer lists, scheduling, bindings, events)",
                     total, nodes, seconds, Double(total) / seconds))
        // What upstream's scheduler_perf calls throughput: pods bound per second while scheduling, once the
        // scheduler is up and its informers have listed the cluster.
        let binding = (end - first).seconds
        print(String(format: "from the first binding to the last: %.2f s = %.0f pods/s (start-up and informer lists took %.2f s)",
                     binding, Double(total - 1) / binding, (first - start).seconds))
        print(String(format: "scheduler RSS after binding: %.1f MiB; API server RSS: %.1f MiB",
                     residentMiB(pid: scheduler.processIdentifier), residentMiB(pid: server.pid)))
        await client.shutdown()
    }

    /// A Ready node as a kubelet registers it: 4 CPUs, 16Gi, 110 pods, a zone label.
    static func node(_ i: Int) -> JSON {
        [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string("node-\(i)"),
                         "labels": ["kubernetes.io/hostname": .string("node-\(i)"), "topology.kubernetes.io/zone": .string("zone-\(i % 3)")]],
            "status": ["capacity": ["cpu": "4", "memory": "16Gi", "pods": "110"],
                       "allocatable": ["cpu": "4", "memory": "16Gi", "pods": "110"],
                       "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]]],
        ]
    }

    /// A pending pod with small requests, as scheduler_perf's default pod template.
    static func pod(_ i: Int) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string("bench-\(i)")],
            "spec": ["containers": [["name": "c", "image": "nginx:alpine",
                                     "resources": ["requests": ["cpu": "100m", "memory": "128Mi"]]]]],
        ]
    }
}
