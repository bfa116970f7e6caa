import APIMachinery
import Client
import Foundation
import Logging

/// Rolls Deployments out through ReplicaSets (upstream's `DeploymentController`).
///
/// Each Deployment owns one ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`; the
/// ReplicaSet whose template equals the Deployment's is the "new" one, the others are "old". A sync
/// scales them towards the strategy's goal (rolling update within maxSurge/maxUnavailable, or recreate),
/// keeps revision annotations, prunes history and writes the status and conditions that `kubectl rollout
/// status` reads. All decisions come from the informer caches; the handlers only map changes of
/// ReplicaSets and pods to the key of the Deployment that owns them.
public final class DeploymentController: Reconciler, Sendable {
    static let kind = "Deployment"
    static let apiVersion = "apps/v1"

    let client: KubeClient
    let deployments: Informer
    let replicaSets: Informer
    let pods: Informer
    let queue = WorkQueue<String>()
    let recorder: EventRecorder
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "deployment-controller")) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        deployments = informers.informer(.deployments)
        replicaSets = informers.informer(.replicasets)
        pods = informers.informer(.pods, indexers: [Indexes.controllerUID: Indexes.controllerUIDFunc])
        deployments.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] d, _ in self?.queue.add(d.key) },
            onUpdate: { [weak self] _, d in self?.queue.add(d.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        replicaSets.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] rs, _ in self?.replicaSetAdded(rs) },
            onUpdate: { [weak self] old, new in self?.replicaSetUpdated(old: old, new: new) },
            onDelete: { [weak self] d in self?.replicaSetDeleted(d.object) }))
        pods.addHandler(InformerHandlerFunctions(onDelete: { [weak self] d in self?.podDeleted(d.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "deployment", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [deployments, replicaSets, pods])
    }

    // MARK: Event handlers

    func resolve(_ ref: OwnerReference, namespace: String) -> JSON? {
        guard ref.kind == Self.kind, ref.group == "apps" else { return nil }
        guard let d = deployments.store.get(namespace: namespace, name: ref.name), d.uid == ref.uid else { return nil }
        return d
    }

    func deploymentsSelecting(_ rs: JSON) -> [JSON] {
        let labels = rs.labels
        guard !labels.isEmpty else { return [] }
        return ((try? deployments.store.byIndex(Indexer.namespaceIndex, rs.namespace)) ?? []).filter { d in
            guard let sel = try? LabelSelector(labelSelector: d[path: ["spec", "selector"]]), !sel.isEverything else { return false }
            return sel.matches(labels)
        }
    }

    func replicaSetAdded(_ rs: JSON) {
        if rs.isBeingDeleted { return replicaSetDeleted(rs) }
        if let ref = rs.controllerRef {
            if let d = resolve(ref, namespace: rs.namespace) { queue.add(d.key) }
            return
        }
        for d in deploymentsSelecting(rs) { queue.add(d.key) }
    }

    func replicaSetUpdated(old: JSON, new: JSON) {
        if old.resourceVersion == new.resourceVersion { return }
        let oldRef = old.controllerRef, newRef = new.controllerRef
        if oldRef != newRef, let oldRef, let d = resolve(oldRef, namespace: old.namespace) { queue.add(d.key) }
        if let newRef {
            if let d = resolve(newRef, namespace: new.namespace) { queue.add(d.key) }
            return
        }
        if old.labels != new.labels || oldRef != newRef {
            for d in deploymentsSelecting(new) { queue.add(d.key) }
        }
    }

    func replicaSetDeleted(_ rs: JSON) {
        if let ref = rs.controllerRef, let d = resolve(ref, namespace: rs.namespace) { queue.add(d.key) }
    }

    /// A Recreate rollout waits for the old pods to be gone: their deletion must wake it.
    func podDeleted(_ pod: JSON) {
        guard let ref = pod.controllerRef, ref.kind == "ReplicaSet",
              let rs = replicaSets.store.get(namespace: pod.namespace, name: ref.name), rs.uid == ref.uid,
              let dref = rs.controllerRef, let d = resolve(dref, namespace: rs.namespace) else { return }
        queue.add(d.key)
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let d = deployments.store.get(key) else { return }
        try await DeploymentSync(controller: self, deployment: d).run()
    }

    /// `/status` write of the whole Deployment (annotations included, as upstream's status strategy
    /// keeps them).
    func writeStatus(_ d: JSON) async throws -> JSON {
        try await client.update(.deployments.inNamespace(d.namespace), d, subresource: "status")
    }

    func event(_ d: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(d, kind: Self.kind, apiVersion: Self.apiVersion, type, reason, message)
    }
}
