import APIMachinery
import Client
import Foundation
import PKI

/// `skiff add node`: one more node in a running cluster, as a learner adds a machine to see a DaemonSet
/// follow it. The node gets the next kind-style name (`N-worker`, `N-worker2`, ...), a pod range from the
/// cluster's plan, a port for its kubelet endpoint, and an entry in `cluster.json`; then the supervisor
/// (SIGHUP) starts the node simulator if the cluster had no simulated node yet, and the simulator (SIGHUP)
/// reads the spec again and starts the node. Kept in the spec, the node comes back with `skiff start cluster`.
///
/// Only simulated nodes so far, to simulated clusters and to real ones alike (a few real nodes for the
/// workloads under study, many simulated ones for the load): a real node also needs its network namespace,
/// containerd and CNI set up on the running cluster's bridge, which `skiff create cluster` alone does today.
public struct NodeAdder: Sendable {
    public var progress: @Sendable (String) -> Void = { print($0) }

    public init() {}

    /// Adds the node and returns its name once it is Ready (or at once when `wait` is zero).
    public func add(cluster name: String, simulated: Bool, wait: Duration) async throws -> String {
        let paths = ClusterPaths(name: name)
        guard var spec = try? ClusterSpec.load(from: paths.spec) else { throw ClusterError("unknown cluster \"\(name)\"") }
        guard let supervisor = ClusterManager.supervisorPID(paths) else {
            throw ClusterError("cluster \"\(name)\" is not running: start it with `skiff start cluster --name \(name)`")
        }
        guard spec.runtime == "simulated" || simulated else {
            throw ClusterError("cluster \"\(name)\" has containerd nodes: adding a real node to it is not supported yet; add a simulated one with --simulated")
        }
        let index = spec.nodes.count
        guard let plan = PodCIDRPlan(clusterCIDR: spec.podCIDR), let podCIDR = plan.nodeCIDR(index: index) else {
            throw ClusterError("the cluster's pod range \(spec.podCIDR) holds no more nodes (it has \(spec.nodes.count))")
        }
        let nodeName = Self.nextName(cluster: name, existing: spec.nodes.map(\.name))
        var port = try ClusterManager.freePort()
        let taken = Set(spec.nodes.enumerated().map { $0.element.kubeletPort(index: $0.offset) })
        while taken.contains(port) { port = try ClusterManager.freePort() }
        var node = ClusterSpec.Node(name: nodeName, role: "worker", podCIDR: podCIDR, kubeletPort: port)
        if spec.runtime != "simulated" { node.simulated = true }

        try NodeSimulatorCredentials.ensure(paths: paths, spec: spec)
        spec.nodes.append(node)
        try ClusterAddons.writeStaticPods(spec: spec, paths: paths)
        try spec.save(to: paths.spec)
        try NodeSimulatorSignal.specChanged(paths: paths, supervisor: supervisor)
        progress(" ✓ Adding node \(nodeName) 📦 (runtime simulated, pod CIDR \(node.podCIDR))")
        if wait > .zero { try await waitUntilReady(nodeName, paths: paths, wait: wait) }
        return nodeName
    }

    /// kind's naming: the first free of `N-worker`, `N-worker2`, `N-worker3`, ...
    static func nextName(cluster: String, existing: [String]) -> String {
        let names = Set(existing)
        var i = 1
        while true {
            let candidate = i == 1 ? "\(cluster)-worker" : "\(cluster)-worker\(i)"
            if !names.contains(candidate) { return candidate }
            i += 1
        }
    }

    private func waitUntilReady(_ node: String, paths: ClusterPaths, wait: Duration) async throws {
        let admin = try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff")
        let client = KubeClient(admin)
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if let n = try? await client.get(.nodes, node),
               n[path: ["status", "conditions"]]?.array?.contains(where: { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }) == true {
                progress(" ✓ Node \(node) is Ready")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterError("timed out waiting for node \(node) to be Ready (see `skiff logs kubelet --name \(paths.name) --node \(node)`)")
    }
}
