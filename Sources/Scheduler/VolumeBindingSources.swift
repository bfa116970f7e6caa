import APIMachinery
import Client

/// VolumeBinding's reads from the scheduler's informer caches.
struct InformerVolumeListers: VolumeBindingListers {
    let claims: Informer
    let volumeInformer: Informer
    let classes: Informer

    func claim(namespace: String, name: String) -> JSON? { claims.store.get(namespace: namespace, name: name) }
    func volume(named name: String) -> JSON? { volumeInformer.store.get(namespace: nil, name: name) }
    func volumes() -> [JSON] { volumeInformer.store.list() }
    func storageClass(named name: String) -> JSON? { classes.store.get(namespace: nil, name: name) }
}

/// VolumeBinding's writes through the API, each read fresh and retried on a conflict (another writer —
/// the binder, a provisioner — may have just updated the object).
struct APIVolumeBindingWriter: VolumeBindingWriter {
    let client: KubeClient

    func bindVolume(_ volume: String, to claim: JSON) async throws {
        try await retryOnConflict {
            var pv = try await client.get(.persistentvolumes, volume)
            if VolumeMatching.isBound(pv, to: claim), pv[path: ["spec", "claimRef", "uid"]]?.string == claim[path: ["metadata", "uid"]]?.string {
                return
            }
            if let ref = pv[path: ["spec", "claimRef"]], !ref.isNull, !VolumeMatching.isBound(pv, to: claim) {
                throw VolumeTaken(description: "persistentvolume \"\(volume)\" is bound to another claim")
            }
            pv[path: ["spec", "claimRef"]] = [
                "kind": "PersistentVolumeClaim", "namespace": claim[path: ["metadata", "namespace"]] ?? "",
                "name": claim[path: ["metadata", "name"]] ?? "", "uid": claim[path: ["metadata", "uid"]] ?? "",
                "apiVersion": "v1", "resourceVersion": claim[path: ["metadata", "resourceVersion"]] ?? "",
            ]
            pv[path: ["metadata", "annotations", "pv.kubernetes.io/bound-by-controller"]] = "yes"
            _ = try await client.update(.persistentvolumes, pv)
        }
    }

    func selectNode(_ node: String, forClaim namespace: String, _ name: String) async throws {
        try await retryOnConflict {
            var claim = try await client.get(.persistentvolumeclaims.inNamespace(namespace), name)
            if claim[path: ["metadata", "annotations", VolumeBinding.selectedNode]]?.string == node { return }
            claim[path: ["metadata", "annotations", VolumeBinding.selectedNode]] = .string(node)
            _ = try await client.update(.persistentvolumeclaims.inNamespace(namespace), claim)
        }
    }

    func retryOnConflict(_ body: () async throws -> Void) async throws {
        for attempt in 0..<5 {
            do {
                try await body()
                return
            } catch let e as APIError where e.code == 409 && attempt < 4 {
                continue
            }
        }
    }
}

/// A static volume chosen for a claim was taken by another claim meanwhile.
struct VolumeTaken: Error, CustomStringConvertible {
    let description: String
}
