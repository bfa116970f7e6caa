import APIMachinery
import Client
import Foundation
import Logging

/// Deletes pods bound to nodes that no longer exist (upstream's PodGC `gcOrphaned`): a DaemonSet's pod
/// on a removed node, or any other, would otherwise stay forever, since no kubelet will ever finish it.
///
/// A node missing from the cache is quarantined first (40s upstream) and then checked against the API
/// server, so that a node that is only slow to appear in the cache loses nothing. Orphans are marked
/// Failed with a `DisruptionTarget` condition (reason `DeletionByPodGC`, "PodGC: node no longer
/// exists") and deleted with grace period 0.
public final class PodGarbageCollector: Reconciler, Sendable {
    let client: KubeClient
    let pods: Informer
    let nodes: Informer
    /// Keys are node names.
    let queue = WorkQueue<String>()
    let quarantine: Duration
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, quarantine: Duration = .seconds(40),
                logger: Logger = Logger(label: "pod-garbage-collector")) {
        self.client = client
        self.quarantine = quarantine
        self.logger = logger
        pods = informers.informer(.pods, indexers: [Indexes.nodeName: Indexes.nodeNameFunc])
        nodes = informers.informer(.nodes)
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] p, _ in self?.podSeen(p) },
            onUpdate: { [weak self] _, p in self?.podSeen(p) }))
        nodes.addHandler(InformerHandlerFunctions(
            onDelete: { [weak self] d in if let name = d.key, let self { self.queue.addAfter(name, self.quarantine) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "podgc", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [pods, nodes])
    }

    func podSeen(_ pod: JSON) {
        let node = PodState.nodeName(pod)
        guard !node.isEmpty, nodes.store.get(node) == nil else { return }
        queue.addAfter(node, quarantine)
    }

    public func reconcile(_ nodeName: String) async throws {
        if nodes.store.get(nodeName) != nil { return }
        do {
            _ = try await client.get(.nodes, nodeName)
            return
        } catch let e as APIError where e.code == 404 {}
        let orphans = (try? pods.store.byIndex(Indexes.nodeName, nodeName)) ?? []
        for pod in orphans {
            let path = ResourcePath.pods.inNamespace(pod.namespace)
            let phase = PodState.phase(pod)
            if phase != "Succeeded" && phase != "Failed" {
                var conditions = (pod[path: ["status", "conditions"]]?.array ?? []).filter { $0["type"]?.string != "DisruptionTarget" }
                conditions.append(["type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
                                   "message": "PodGC: node no longer exists", "lastTransitionTime": .string(RFC3339.time(Date()))])
                do {
                    try await client.patch(path, pod.name, ["status": ["phase": "Failed", "conditions": .array(conditions)]], subresource: "status")
                } catch let e as APIError where e.code == 404 {
                    continue
                }
            }
            do {
                try await client.delete(path, pod.name, options: ["gracePeriodSeconds": 0])
                logger.info("forced deletion of orphaned pod \(pod.key) (node \(nodeName) no longer exists)")
            } catch let e as APIError where e.code == 404 {}
        }
    }
}
