import APIMachinery
import APIServer
import Client
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

/// A real API server on a free loopback port over an in-memory store, with a client for it.
final class TestCluster: Sendable {
    let store: any KeyValueStore
    let client: KubeClient
    let port: Int
    let server: Mutex<Task<Void, Error>?>

    /// Starts a server; `namespaces` are created once it answers.
    static func start(namespaces: [String] = ["t"], store: (any KeyValueStore)? = nil) async throws -> TestCluster {
        let kv = try store ?? openStore(.memory)
        let (task, port) = try await startServer(store: kv, port: 0)
        let cluster = TestCluster(store: kv, port: port, task: task)
        for ns in namespaces {
            try await cluster.client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        return cluster
    }

    private init(store: any KeyValueStore, port: Int, task: Task<Void, Error>) {
        self.store = store
        self.port = port
        server = Mutex(task)
        client = KubeClient(ClientConfig(server: "http://127.0.0.1:\(port)", userAgent: "skiff-client-tests"))
    }

    static func startServer(store: any KeyValueStore, port: Int) async throws -> (Task<Void, Error>, Int) {
        let server = try await TestAPIServer.start(store: store, port: port)
        return (server.task, server.port)
    }

    /// Stops the HTTP server (the store stays), as a crash or restart of the API server would.
    func stopServer() async {
        let task = server.withLock { t -> Task<Void, Error>? in
            defer { t = nil }
            return t
        }
        task?.cancel()
        _ = await task?.result
    }

    /// Starts the server again on the same port and store.
    func restartServer() async throws {
        let (task, _) = try await Self.startServer(store: store, port: port)
        server.withLock { $0 = task }
    }

    func stop() async {
        await client.shutdown()
        await stopServer()
    }
}

/// Runs `body` against a fresh cluster and always stops it.
func withCluster<T>(namespaces: [String] = ["t"], _ body: (TestCluster) async throws -> T) async throws -> T {
    let cluster = try await TestCluster.start(namespaces: namespaces)
    do {
        let r = try await body(cluster)
        await cluster.stop()
        return r
    } catch {
        await cluster.stop()
        throw error
    }
}

/// A thread-safe list that tests append observations to.
final class Recorder<T: Sendable>: Sendable {
    let items = Mutex<[T]>([])
    func append(_ x: T) { items.withLock { $0.append(x) } }
    var all: [T] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

func configMap(_ name: String, namespace: String = "t", labels: [String: String] = [:], data: [String: String] = [:]) -> JSON {
    ["apiVersion": "v1", "kind": "ConfigMap",
     "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .from(labels)],
     "data": .from(data)]
}

func pod(_ name: String, namespace: String = "t", node: String? = nil) -> JSON {
    var p: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)],
                   "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]]
    if let node { p[path: ["spec", "nodeName"]] = .string(node) }
    return p
}

extension JSON {
    var name: String { self[path: ["metadata", "name"]]?.string ?? "" }
    var resourceVersion: String { self[path: ["metadata", "resourceVersion"]]?.string ?? "" }
}

let configMapsInT = ResourcePath.configmaps.inNamespace("t")
let podsInT = ResourcePath.pods.inNamespace("t")
/// Short waits so tests that relist do not sit out the production backoff.
let fastBackoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(200))
