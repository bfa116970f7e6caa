import APIMachinery
import Client
import Foundation
import Logging

/// Keeps a PersistentVolumeClaim that a pod uses from being removed (upstream's `pvc-protection`
/// controller): every claim carries the `kubernetes.io/pvc-protection` finalizer, and a claim being
/// deleted loses it only once no scheduled pod names it — so `kubectl delete pvc` while a pod runs leaves
/// the claim Terminating until the pod is gone, and the data is not pulled from under the pod.
public final class ClaimProtectionController: Reconciler, Sendable {
    let client: KubeClient
    let claims: Informer
    let pods: Informer
    let queue: WorkQueue<String>
    let logger: Logger

    /// Pods by `namespace/claim` for every claim they name.
    static let claimIndex = "pvcProtection.claims"
    static let claimIndexFunc: IndexFunc = { pod in pod.podClaimNames.map { pod.namespace + "/" + $0 } }

    public init(client: KubeClient, informers: SharedInformers, logger: Logger = Logger(label: "pvc-protection-controller")) {
        self.client = client
        self.logger = logger
        queue = WorkQueue<String>()
        claims = informers.informer(.persistentvolumeclaims)
        pods = informers.informer(.pods, indexers: [Self.claimIndex: Self.claimIndexFunc])
        claims.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] c, _ in self?.queue.add(c.key) },
            onUpdate: { [weak self] _, c in self?.queue.add(c.key) }))
        // A pod that goes (or finishes) may be what a Terminating claim waits for.
        pods.addHandler(InformerHandlerFunctions(
            onUpdate: { [weak self] _, p in self?.enqueueClaims(of: p) },
            onDelete: { [weak self] del in self?.enqueueClaims(of: del.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "pvc-protection", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [claims, pods])
    }

    func enqueueClaims(of pod: JSON) {
        for name in pod.podClaimNames { queue.add(ObjectKey.make(namespace: pod.namespace, name: name)) }
    }

    /// Upstream `podUsesPVC`: only scheduled pods count — the kubelet starts no pod whose claim is being
    /// deleted, so an unscheduled one will never use it.
    static func podUses(_ pod: JSON, claim: String) -> Bool {
        let node = pod[path: ["spec", "nodeName"]]?.string ?? ""
        return !node.isEmpty && pod.podClaimNames.contains(claim)
    }

    public func reconcile(_ key: String) async throws {
        guard let claim = claims.store.get(key) else { return }
        let path = ResourcePath.persistentvolumeclaims.inNamespace(claim.namespace)
        let finalizer = StorageAnnotations.pvcProtectionFinalizer
        if !claim.isBeingDeleted {
            guard !claim.finalizers.contains(finalizer) else { return }
            var updated = claim
            updated[path: ["metadata", "finalizers"]] = .array((claim.finalizers + [finalizer]).map(JSON.string))
            _ = try await client.update(path, updated)
            return
        }
        guard claim.finalizers.contains(finalizer) else { return }
        let cached = (try? pods.store.byIndex(Self.claimIndex, key)) ?? []
        if cached.contains(where: { Self.podUses($0, claim: claim.name) }) { return }
        // The cache may not have seen a pod created just now: the server decides (upstream `askAPIServer`).
        let live = try await client.list(.pods.inNamespace(claim.namespace))["items"]?.array ?? []
        if live.contains(where: { Self.podUses($0, claim: claim.name) }) { return }
        var updated = claim
        updated[path: ["metadata", "finalizers"]] = .array(claim.finalizers.filter { $0 != finalizer }.map(JSON.string))
        _ = try await client.update(path, updated)
        logger.debug("removed the protection finalizer of claim \(key): no pod uses it")
    }
}
