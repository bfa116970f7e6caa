import APIMachinery
import Client
import Foundation
import Kubelet
import PKI

/// `skiff create cluster`: everything a cluster needs on disk, a supervisor that runs its processes, and
/// the wait until it is usable — the node(s) Ready and the control-plane pods Running.
public struct ClusterCreator: Sendable {
    public let executable: URL
    public var progress: @Sendable (String) -> Void = { print($0) }
    /// Keep a cluster that failed to come up, for a look at its logs (kind's `--retain`).
    public var retainOnFailure = false

    public init(executable: URL) {
        self.executable = executable
    }

    public func create(name: String, nodes: Int, runtime: String, wait: Duration, kubeconfigPath: URL) async throws {
        try ClusterManager.validate(name: name)
        let paths = ClusterPaths(name: name)
        if FileManager.default.fileExists(atPath: paths.spec.path) {
            throw ClusterError("node(s) already exist for a cluster with the name \"\(name)\"")
        }
        progress("Creating cluster \"\(name)\" ...")
        for dir in [paths.root, paths.logs, paths.run, paths.data] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        do {
            try await build(paths: paths, name: name, nodes: nodes, runtime: runtime, wait: wait, kubeconfigPath: kubeconfigPath)
        } catch {
            progress(" ✗ \(error)")
            if retainOnFailure {
                progress("Logs are in \(paths.logs.path); the cluster is kept (--retain): delete it with `skiff delete cluster --name \(name)`.")
            } else {
                progress("Removing the half-made cluster (use --retain to keep it for a look at \(paths.logs.path)).")
                try? await ClusterManager(executable: executable).delete(name: name)
            }
            throw error
        }
    }

    private func build(paths: ClusterPaths, name: String, nodes: Int, runtime: String, wait: Duration, kubeconfigPath: URL) async throws {
        var ports: [Int] = []
        while ports.count < max(nodes, 1) + 1 {
            let p = try ClusterManager.freePort()
            if !ports.contains(p) { ports.append(p) }
        }
        let spec = ClusterSpec.make(name: name, nodes: max(nodes, 1), runtime: runtime, port: ports[0], kubeletPorts: Array(ports.dropFirst()))
        try spec.save(to: paths.spec)
        let server = "https://127.0.0.1:\(spec.apiServerPort)"

        let pki = try ClusterPKI.create(
            at: paths.pki, clusterName: name, serviceIP: "10.96.0.1", extraIPs: [],
            extraDNSNames: [spec.nodes[0].name], nodeNames: spec.nodes.map(\.name))
        for (i, node) in spec.nodes.enumerated() {
            try pki.issueKubeletServingCertificate(nodeName: node.name, ipAddresses: ["127.0.0.1", ClusterSpec.Node.internalIP(index: i)])
        }
        for who in ["scheduler", "controller-manager", "admin"] + spec.nodes.map({ "kubelet-\($0.name)" }) {
            try pki.writeKubeconfig(for: who, server: server)
        }
        FileManager.default.createFile(atPath: paths.pki.appendingPathComponent("tokens.csv").path, contents: Data())
        progress(" ✓ Preparing nodes 📦 (\(spec.nodes.map(\.name).joined(separator: ", ")); runtime \(runtime))")

        let staticPods = [("kube-apiserver", "apiserver"), ("kube-scheduler", "scheduler"), ("kube-controller-manager", "controller-manager")].map {
            StaticPod(name: $0.0, pidFile: paths.pidFile($0.1).path, image: "skiff/\($0.1):v1.32.0", command: ["skiff", $0.1])
        }
        try JSONEncoder().encode(staticPods).write(to: paths.root.appendingPathComponent("static-pods.json"))

        // The supervisor runs detached in its own session, so the cluster outlives this command.
        let log = try FileHandle(forWritingTo: { FileManager.default.createFile(atPath: paths.log("supervisor").path, contents: nil); return paths.log("supervisor") }())
        let sup = Process()
        sup.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        sup.arguments = [executable.path, "supervise", "--name", name]
        sup.standardOutput = log
        sup.standardError = log
        sup.standardInput = FileHandle.nullDevice
        try sup.run()
        progress(" ✓ Starting control-plane 🕹️ (API server on \(server))")

        let admin = try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff")
        let client = KubeClient(admin)
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + wait
        try await waitFor("the API server", deadline) { (try? await client.raw(.GET, "/readyz"))?.status == 200 }
        try await waitFor("node(s) to be Ready", deadline) {
            guard let list = try? await client.list(.nodes) else { return false }
            let ready = (list["items"]?.array ?? []).filter { n in
                n[path: ["status", "conditions"]]?.array?.contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" } ?? false
            }
            return ready.count == spec.nodes.count
        }
        progress(" ✓ Waiting ≤ \(wait) for control-plane = Ready ⏳")
        try await waitFor("the control-plane pods", deadline) {
            guard let list = try? await client.list(ResourcePath.pods.inNamespace("kube-system")) else { return false }
            let running = (list["items"]?.array ?? []).filter { $0[path: ["status", "phase"]]?.string == "Running" }
            return running.count >= 3
        }
        var merged = try pki.adminKubeconfig(server: server)
        merged.currentContext = pki.kubeconfigEntryName
        try KubeconfigFile.merge(merged, into: kubeconfigPath)
        progress("Set kubectl context to \"\(pki.kubeconfigEntryName)\"")
        progress("You can now use your cluster with:\n\nkubectl cluster-info --context \(pki.kubeconfigEntryName)\n")
    }

    private func waitFor(_ what: String, _ deadline: ContinuousClock.Instant, _ check: () async -> Bool) async throws {
        while !(await check()) {
            if ContinuousClock.now > deadline { throw ClusterError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
