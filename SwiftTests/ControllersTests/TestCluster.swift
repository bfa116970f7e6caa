import APIMachinery
import APIServer
@testable import Client
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// A real API server on a free loopback port over an in-memory store, with a client for it.
final class TestCluster: Sendable {
    let client: KubeClient
    let server: Task<Void, Error>
    /// What `withControllers` runs against this cluster: what `quiesced()` watches.
    let running = Mutex<(informers: SharedInformers?, queues: ControllerQueues?)>((nil, nil))

    static func start(namespaces: [String] = ["t"]) async throws -> TestCluster {
        let server = try await TestAPIServer.start()
        let cluster = TestCluster(client: server.client(userAgent: "skiff-controllers-tests"), task: server.task)
        for ns in namespaces {
            try await cluster.client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        return cluster
    }

    private init(client: KubeClient, task: Task<Void, Error>) {
        server = task
        self.client = client
    }

    func stop() async {
        await client.shutdown()
        server.cancel()
        _ = await server.result
    }
}

/// Runs `body` against a fresh cluster with the controllers `setup` builds, always stopping both.
func withControllers(
    namespaces: [String] = ["t"],
    _ setup: (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void],
    _ body: (TestCluster) async throws -> Void
) async throws {
    let cluster = try await TestCluster.start(namespaces: namespaces)
    let informers = SharedInformers(client: cluster.client)
    let events = EventBroadcaster(client: cluster.client)
    let queues = ControllerQueues()
    let runs = ControllerQueues.$current.withValue(queues) { setup(cluster.client, informers, events) }
    cluster.running.withLock { $0 = (informers, queues) }
    let background = Background {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informers.run() }
            group.addTask { await events.run() }
            for r in runs { group.addTask { await r() } }
        }
    }
    do {
        try await body(cluster)
    } catch {
        await background.stop()
        await cluster.stop()
        throw error
    }
    await background.stop()
    await cluster.stop()
}

/// The work queues of the controllers a test runs: each setup function registers the controllers it
/// builds, so that the test can wait until they are quiet instead of sleeping.
final class ControllerQueues: Sendable {
    @TaskLocal static var current: ControllerQueues?
    let queues = Mutex<[(queue: WorkQueue<String>, workers: Int)]>([])

    /// Registers `queue`, worked on by `workers` workers, with the test being set up (if any).
    static func track(_ queue: WorkQueue<String>, workers: Int) {
        current?.queues.withLock { $0.append((queue, workers)) }
    }

    /// Every queue empty, no retry due within a minute, every worker parked in `get`.
    var idle: Bool {
        queues.withLock { qs in
            qs.allSatisfy { $0.queue.len == 0 && $0.queue.delayed(within: .seconds(60)) == 0 && $0.queue.waitingGets == $0.workers }
        }
    }
}

extension TestCluster {
    /// Waits until the controllers have reacted to every write made so far: the signal "nothing else
    /// happened" checks wait for, instead of a grace period. Each informer has cached the newest object of
    /// its collection and handed every change to its handlers, and every controller queue is idle; then
    /// the collections are read again, and when nothing changed meanwhile (a last sync may have written)
    /// the controllers are quiet: only a new write or a timer (a minute or more away) can make them act again.
    func quiesced(timeout: Duration = .seconds(10)) async throws -> Bool {
        let (shared, queues) = running.withLock { $0 }
        guard let shared, let queues else { return false }
        let informers = shared.all
        let client = self.client
        func versions() async throws -> [[String: Int]] {
            var all: [[String: Int]] = []
            for informer in informers {
                let items = try await client.list(informer.resource)["items"]?.array ?? []
                var byKey: [String: Int] = [:]
                for o in items { byKey[o.namespace + "/" + o.name] = Int(o.resourceVersion) ?? 0 }
                all.append(byKey)
            }
            return all
        }
        var before = try await versions()
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let newest = before.map { $0.values.max() ?? 0 }
            let caughtUp = await eventually(timeout: end - ContinuousClock.now) {
                zip(informers, newest).allSatisfy { informer, rv in
                    (Int(informer.reflector.lastSyncResourceVersion) ?? 0) >= rv && informer.allDelivered
                } && queues.idle
            }
            guard caughtUp else { return false }
            let after = try await versions()
            if after == before { return true }
            before = after
        }
        return false
    }
}

/// Plays the kubelets: pods in `namespace` that `shouldRun` accepts get phase Running, an IP and a
/// Ready condition through `/status`, as a kubelet would report once their containers started.
final class FakeKubelet: Sendable {
    let client: KubeClient
    let namespace: String
    let shouldRun: @Sendable (JSON) -> Bool
    let nextIP = Mutex(1)

    init(client: KubeClient, namespace: String = "t", shouldRun: @escaping @Sendable (JSON) -> Bool = { _ in true }) {
        self.client = client
        self.namespace = namespace
        self.shouldRun = shouldRun
    }

    func run() async {
        while !Task.isCancelled {
            if let list = try? await client.list(.pods.inNamespace(namespace)) {
                for pod in list["items"]?.array ?? [] where !pod.isBeingDeleted && PodState.ips(pod).isEmpty && shouldRun(pod) {
                    try? await markRunning(pod, ready: true)
                }
            }
            // Stays: this fake kubelet polls, as a real one syncs periodically; nothing waits on it.
            try? await Task.sleep(for: .milliseconds(30))
        }
    }

    func allocateIP() -> String {
        nextIP.withLock { n in
            defer { n += 1 }
            return "10.244.\(n / 250).\(n % 250 + 2)"
        }
    }

    /// Patches `pod` Running with an IP; Ready as asked.
    func markRunning(_ pod: JSON, ready: Bool, ip: String? = nil) async throws {
        let ip = ip ?? PodState.ips(pod).first ?? allocateIP()
        let now = JSON.string(RFC3339.time())
        let status: JSON = [
            "phase": "Running", "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
            "conditions": [
                ["type": "Initialized", "status": "True", "lastTransitionTime": now],
                ["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": now],
                ["type": "ContainersReady", "status": ready ? "True" : "False", "lastTransitionTime": now],
                ["type": "PodScheduled", "status": "True", "lastTransitionTime": now],
            ],
        ]
        try await client.patch(.pods.inNamespace(pod.namespace), pod.name, ["status": status], subresource: "status")
    }
}

// MARK: Fixtures

func podTemplate(labels: [String: String], image: String = "nginx:alpine", ports: JSON? = nil) -> JSON {
    var container: JSON = ["name": "web", "image": .string(image)]
    if let ports { container["ports"] = ports }
    return ["metadata": ["labels": .from(labels)], "spec": ["containers": [container]]]
}

func replicaSet(_ name: String, replicas: Int64, labels: [String: String] = ["app": "web"], namespace: String = "t") -> JSON {
    ["apiVersion": "apps/v1", "kind": "ReplicaSet",
     "metadata": ["name": .string(name), "namespace": .string(namespace)],
     "spec": ["replicas": .int(replicas), "selector": ["matchLabels": .from(labels)], "template": podTemplate(labels: labels)]]
}

func deployment(_ name: String, replicas: Int64, labels: [String: String] = ["app": "web"], image: String = "nginx:alpine",
                strategy: JSON? = nil, namespace: String = "t") -> JSON {
    var d: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": ["name": .string(name), "namespace": .string(namespace)],
                   "spec": ["replicas": .int(replicas), "selector": ["matchLabels": .from(labels)],
                            "template": podTemplate(labels: labels, image: image)]]
    if let strategy { d[path: ["spec", "strategy"]] = strategy }
    return d
}

let podsInT = ResourcePath.pods.inNamespace("t")
let replicaSetsInT = ResourcePath.replicasets.inNamespace("t")
let deploymentsInT = ResourcePath.deployments.inNamespace("t")
let eventsInT = ResourcePath.events.inNamespace("t")

extension KubeClient {
    func items(_ r: ResourcePath, labelSelector: String? = nil) async throws -> [JSON] {
        var q: [String: String] = [:]
        if let labelSelector { q["labelSelector"] = labelSelector }
        let items = try await list(r, query: q)["items"]?.array ?? []
        // Equality selectors are also applied here, whether or not the server filters.
        guard let labelSelector else { return items }
        let wanted = labelSelector.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        return items.filter { o in wanted.allSatisfy { $0.count == 2 && o.labels[$0[0]] == $0[1] } }
    }

    /// Reasons and messages of the events about `name`.
    func eventMessages(namespace: String = "t", about name: String) async throws -> [(String, String)] {
        try await items(.events.inNamespace(namespace)).filter { $0[path: ["involvedObject", "name"]]?.string == name }
            .map { ($0["reason"]?.string ?? "", $0["message"]?.string ?? "") }
    }
}
