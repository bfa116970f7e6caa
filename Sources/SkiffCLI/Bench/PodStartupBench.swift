import APIMachinery
import ArgumentParser
import Client
import Foundation

/// `skiff bench pods`: pod startup latency on a running cluster — from the create request to the pod
/// observed Running by a watch (upstream's pod startup SLI, with the image already on the node) — over a
/// bounded number of pods, created a few at a time, then deleted.
struct PodStartupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pods", abstract: "Pod startup latency on a running cluster.")

    @Option(help: "Kubeconfig of the cluster under test (default: $KUBECONFIG or ~/.kube/config).") var kubeconfig: String?
    @Option(help: "Pods to start.") var pods = 100
    @Option(help: "Pods created at once.") var parallel = 5
    @Option(help: "Milliseconds between batches (0: as fast as the API takes them, a throughput test).") var intervalMs = 1000
    @Option(help: "Image (must already be on the node).") var image = "registry.k8s.io/pause:3.10"
    @Option(help: "Namespace to use (created, then deleted); default: a fresh skiff-bench-<random>.") var namespace: String?
    @Option(help: "Give up after this many seconds.") var timeout = 300

    func run() async throws {
        let path = kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"] ?? NSHomeDirectory() + "/.kube/config"
        let client = KubeClient(try KubeconfigLoader.load(path: path, userAgent: "skiff-bench"))
        defer { Task { await client.shutdown() } }
        let namespace = self.namespace ?? "skiff-bench-\(UInt16.random(in: 0...UInt16.max))"
        _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        let podsPath = ResourcePath.pods.inNamespace(namespace)
        let list = try await client.list(podsPath)
        let rv = list[path: ["metadata", "resourceVersion"]]?.string ?? "0"

        let created = CreatedAt()
        let recorder = LatencyRecorder()
        let pending = pods
        let watcher = Task {
            var running = Set<String>()
            for try await event in client.watch(podsPath, resourceVersion: rv) {
                guard let name = event.object[path: ["metadata", "name"]]?.string,
                      event.object[path: ["status", "phase"]]?.string == "Running", !running.contains(name),
                      let start = created.get(name) else { continue }
                running.insert(name)
                recorder.record((ContinuousClock.now - start).seconds)
                if running.count == pending { return }
            }
        }
        let started = ContinuousClock.now
        var next = 0
        while next < pods {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in next..<min(pods, next + parallel) {
                    let name = "startup-\(i)"
                    group.addTask {
                        created.set(name, .now)
                        let pod: JSON = [
                            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                            "spec": ["terminationGracePeriodSeconds": 0,
                                     "containers": [["name": "c", "image": .string(image), "imagePullPolicy": "IfNotPresent"]]],
                        ]
                        _ = try await client.create(podsPath, pod)
                    }
                }
                try await group.waitForAll()
            }
            next += parallel
            if intervalMs > 0, next < pods { try await Task.sleep(for: .milliseconds(intervalMs)) }
        }
        let deadline = Task { try await Task.sleep(for: .seconds(timeout)); watcher.cancel() }
        _ = try? await watcher.value
        deadline.cancel()
        let total = (ContinuousClock.now - started).seconds
        print("pod startup (create → Running seen by watch), \(recorder.count)/\(pods) pods, \(parallel) every \(intervalMs) ms: \(recorder.summary())")
        print(String(format: "all %d pods Running after %.2f s", recorder.count, total))
        _ = try? await client.delete(.namespaces, namespace)
        if recorder.count < pods { throw ExitCode(1) }
    }
}

/// Creation instants by pod name, shared by the creating tasks and the watch.
final class CreatedAt: Sendable {
    private let map = Mutex<[String: ContinuousClock.Instant]>([:])
    func set(_ name: String, _ t: ContinuousClock.Instant) { map.withLock { $0[name] = t } }
    func get(_ name: String) -> ContinuousClock.Instant? { map.withLock { $0[name] } }
}

import Synchronization
