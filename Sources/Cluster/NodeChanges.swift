import APIMachinery
import Client
import Foundation

/// `skiff delete node` and `skiff pause node` / `unpause node`: a node of a running cluster taken away,
/// or frozen as `docker pause` freezes one of kind's nodes (the way a learner watches the node lifecycle
/// controller mark it unreachable and evict its pods).
public struct NodeChanges: Sendable {
    public let cluster: String

    public init(cluster: String) {
        self.cluster = cluster
    }

    /// Removes a simulated worker from the spec (its simulator stops running it) and its Node object from
    /// the API; the pod garbage collector then removes the pods bound to it, as upstream's does for pods
    /// of a deleted node.
    public func remove(node name: String) async throws {
        let (paths, spec, supervisor) = try running()
        guard let node = spec.nodes.first(where: { $0.name == name }) else {
            throw ClusterError("cluster \"\(cluster)\" has no node \"\(name)\"")
        }
        guard spec.isSimulated(node) else {
            throw ClusterError("node \"\(name)\" is a real node: only simulated nodes can be removed from a running cluster so far")
        }
        guard node.role != "control-plane" else { throw ClusterError("node \"\(name)\" is the control plane's: it cannot be removed") }
        var changed = spec
        changed.nodes.removeAll { $0.name == name }
        try changed.save(to: paths.spec)
        try NodeSimulatorSignal.specChanged(paths: paths, supervisor: supervisor)
        let client = try adminClient(paths)
        defer { Task { await client.shutdown() } }
        do {
            try await client.delete(.nodes, name)
        } catch let e as APIError where e.code == 404 {}
    }

    /// Freezes (`paused`) or thaws a node. A simulated node stops (or resumes) its heartbeats, pod syncs and
    /// endpoint; a real node's kubelet is stopped with SIGSTOP (or continued with SIGCONT), while its
    /// containers keep running, as they would on a machine whose kubelet hung.
    public func setPaused(node name: String, _ paused: Bool) throws {
        let (paths, spec, supervisor) = try running()
        guard let index = spec.nodes.firstIndex(where: { $0.name == name }) else {
            throw ClusterError("cluster \"\(cluster)\" has no node \"\(name)\"")
        }
        if spec.isSimulated(spec.nodes[index]) {
            var changed = spec
            changed.nodes[index].paused = paused ? true : nil
            try changed.save(to: paths.spec)
            try NodeSimulatorSignal.specChanged(paths: paths, supervisor: supervisor)
            return
        }
        let component = NodeLayout(cluster: cluster, name: name, index: index, clusterRoot: paths.root).kubeletComponent
        guard let pid = ProcessControl.readPID(paths.pidFile(component)), ProcessControl.isAlive(pid) else {
            throw ClusterError("the kubelet of node \"\(name)\" is not running")
        }
        guard kill(pid, paused ? SIGSTOP : SIGCONT) == 0 else {
            throw ClusterError("cannot signal the kubelet of node \"\(name)\" (pid \(pid))")
        }
    }

    private func running() throws -> (ClusterPaths, ClusterSpec, Int32) {
        let paths = ClusterPaths(name: cluster)
        guard let spec = try? ClusterSpec.load(from: paths.spec) else { throw ClusterError("unknown cluster \"\(cluster)\"") }
        guard let supervisor = ClusterManager.supervisorPID(paths) else {
            throw ClusterError("cluster \"\(cluster)\" is not running: start it with `skiff start cluster --name \(cluster)`")
        }
        return (paths, spec, supervisor)
    }

    private func adminClient(_ paths: ClusterPaths) throws -> KubeClient {
        KubeClient(try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff"))
    }
}
