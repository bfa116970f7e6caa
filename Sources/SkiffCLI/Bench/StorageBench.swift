import APIMachinery
import ArgumentParser
import Client
import Foundation

/// `skiff bench storage`: dynamic provisioning end to end over simulated nodes — a real `skiff apiserver`
/// holding the nodes, the default StorageClass (local-path, WaitForFirstConsumer), claims that name no
/// class and one pending pod per claim; then a real `skiff scheduler` (VolumeBinding chooses the node and
/// waits for the volume) and `skiff controller-manager` (binder, protection, local-path provisioner making
/// directories in a temporary directory). Measured from spawning both until every claim is Bound and every
/// pod bound to a node. Loopback only; bounded in count and time.
struct StorageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "storage", abstract: "Benchmark claim binding and provisioning.")
    @Option(help: "Simulated nodes.") var nodes = 10
    @Option(help: "Claims, each with one pod using it.") var claims = 100
    @Option(help: "Concurrent clients creating the objects.") var clients = 16

    func run() async throws {
        var config = ClientConfig(server: "http://127.0.0.1:\(BenchAPIServer.port())", userAgent: "skiff-bench")
        config.maxConnections = clients + 8
        let client = KubeClient(config)
        let server = try await BenchAPIServer(storage: "sqlite", probe: client, port: BenchAPIServer.port())
        defer { server.stop() }
        let volumes = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-storage-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: volumes) }
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        try await client.create(.storageclasses, [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": ["name": "standard", "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
        ])
        try await concurrently(nodes, workers: clients) { i in try await client.create(.nodes, SchedulerBench.node(i)) }
        let claimsPath = ResourcePath.persistentvolumeclaims.inNamespace("bench")
        let podsPath = ResourcePath.pods.inNamespace("bench")
        try await concurrently(claims, workers: clients) { i in
            try await client.create(claimsPath, [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": .string("data-\(i)")],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
            ])
            try await client.create(podsPath, [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string("user-\(i)")],
                "spec": ["containers": [["name": "c", "image": "busybox", "resources": ["requests": ["cpu": "10m", "memory": "16Mi"]]]],
                         "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": .string("data-\(i)")]]]],
            ])
        }
        let kubeconfig = try server.writeKubeconfig()
        var processes: [Process] = []
        defer {
            for p in processes {
                p.terminate()
                p.waitUntilExit()
            }
        }
        let revisionBefore = try await Self.revision(client)
        let start = ContinuousClock.now
        for args in [["scheduler", "--kubeconfig", kubeconfig, "--leader-elect", "false", "--log-level", "warning"],
                     ["controller-manager", "--kubeconfig", kubeconfig, "--leader-elect", "false", "--log-level", "warning",
                      "--local-path-nodes-dir", volumes.path]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: BenchAPIServer.executable)
            p.arguments = args
            p.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            processes.append(p)
        }
        let total = claims
        let deadline = ContinuousClock.now + .seconds(120)
        var boundClaims = 0, boundPods = 0
        // When each stage first covered every claim: the scheduler's node choice, the provisioner's
        // volume, the binder's binding, the scheduler's pod binding (seconds from the spawn).
        var stages: [String: Double] = [:]
        func reached(_ stage: String, _ count: Int) {
            if count == total, stages[stage] == nil { stages[stage] = (ContinuousClock.now - start).seconds }
        }
        while ContinuousClock.now < deadline {
            let c = try await client.list(claimsPath)["items"]?.array ?? []
            let p = try await client.list(podsPath)["items"]?.array ?? []
            let v = try await client.list(.persistentvolumes)["items"]?.array ?? []
            reached("node selected", c.filter { $0[path: ["metadata", "annotations", "volume.kubernetes.io/selected-node"]] != nil }.count)
            reached("volume provisioned", v.count)
            boundClaims = c.filter { $0[path: ["status", "phase"]]?.string == "Bound" }.count
            boundPods = p.filter { !($0[path: ["spec", "nodeName"]]?.string ?? "").isEmpty }.count
            reached("claim bound", boundClaims)
            reached("pod bound", boundPods)
            if boundClaims == total && boundPods == total { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let seconds = (ContinuousClock.now - start).seconds
        guard boundClaims == total && boundPods == total else {
            throw BenchError("after \(Int(seconds)) s only \(boundClaims)/\(total) claims Bound and \(boundPods)/\(total) pods bound")
        }
        // `<node>/local-path/<pv>_bench_<claim>`: one directory per provisioned volume.
        let dirs = (try? FileManager.default.subpathsOfDirectory(atPath: volumes.path))?
            .filter { $0.split(separator: "/").count == 3 && $0.contains("/local-path/pvc-") }.count ?? 0
        print(String(format: "storage: %d claims provisioned (%d volume directories) and bound, %d pods bound over %d nodes in %.2f s "
                     + "(from spawning skiff scheduler and controller-manager: start-up, informer lists, VolumeBinding, "
                     + "binder, local-path provisioner)", total, dirs, total, nodes, seconds))
        let writes = try await Self.revision(client) - revisionBefore
        let events = try await client.list(.events.inNamespace("bench"))["items"]?.array?.count ?? 0
        print("  \(writes) API writes during the run (store revisions), \(events) events in the namespace")
        let order = ["node selected", "volume provisioned", "claim bound", "pod bound"]
        print("  every claim reached, s after the spawn: "
              + order.map { String(format: "%@ %.2f", $0, stages[$0] ?? seconds) }.joined(separator: ", "))
        await client.shutdown()
    }

    /// The store's revision: how many writes it has taken so far.
    static func revision(_ client: KubeClient) async throws -> Int {
        Int(try await client.list(.namespaces)[path: ["metadata", "resourceVersion"]]?.string ?? "") ?? 0
    }
}
