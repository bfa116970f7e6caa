import APIMachinery
import Client
import Foundation
import Logging

/// Keeps a bound PersistentVolume from being removed (upstream's `pv-protection` controller): every
/// volume carries the `kubernetes.io/pv-protection` finalizer, and a volume being deleted loses it only
/// once it is no longer Bound to a claim.
public final class VolumeProtectionController: Reconciler, Sendable {
    let client: KubeClient
    let volumes: Informer
    let queue: WorkQueue<String>
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, logger: Logger = Logger(label: "pv-protection-controller")) {
        self.client = client
        self.logger = logger
        queue = WorkQueue<String>()
        volumes = informers.informer(.persistentvolumes)
        volumes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] v, _ in self?.queue.add(v.key) },
            onUpdate: { [weak self] _, v in self?.queue.add(v.key) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "pv-protection", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [volumes])
    }

    public func reconcile(_ key: String) async throws {
        guard let volume = volumes.store.get(key) else { return }
        let finalizer = StorageAnnotations.pvProtectionFinalizer
        var updated = volume
        if !volume.isBeingDeleted {
            guard !volume.finalizers.contains(finalizer) else { return }
            updated[path: ["metadata", "finalizers"]] = .array((volume.finalizers + [finalizer]).map(JSON.string))
        } else {
            guard volume.finalizers.contains(finalizer), volume.volumePhase != "Bound" else { return }
            updated[path: ["metadata", "finalizers"]] = .array(volume.finalizers.filter { $0 != finalizer }.map(JSON.string))
        }
        _ = try await client.update(.persistentvolumes, updated)
    }
}
