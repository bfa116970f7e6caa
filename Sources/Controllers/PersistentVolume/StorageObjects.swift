import APIMachinery
import Client
import Foundation

/// The annotations and finalizers the volume controllers, the scheduler and provisioners agree on
/// (upstream's `storagehelpers` and `volumeutil` constants): the binding protocol is carried in them.
public enum StorageAnnotations {
    /// On a claim: the binder finished binding it (`spec.volumeName` is authoritative from now on).
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    /// On a claim or volume: the binder (not the user) wrote its half of the binding.
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    /// On a volume: the provisioner that created it (and must delete it).
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    /// On a claim: which provisioner should make its volume (GA and beta spellings, both written).
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    /// On a WaitForFirstConsumer claim: the node the scheduler chose, where the volume must be made.
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    /// On a StorageClass: it is the default for claims that name none.
    public static let isDefaultClass = "storageclass.kubernetes.io/is-default-class"
    public static let betaIsDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
    /// The beta way of naming a claim's or volume's class, still honoured upstream.
    public static let betaStorageClass = "volume.beta.kubernetes.io/storage-class"

    public static let pvcProtectionFinalizer = "kubernetes.io/pvc-protection"
    public static let pvProtectionFinalizer = "kubernetes.io/pv-protection"
    /// A class whose volumes are made by hand: nothing provisions for it.
    public static let noProvisioner = "kubernetes.io/no-provisioner"
}

/// Read access to the storage fields of claims, volumes and classes, as the binder reads them.
extension JSON {
    /// The claim's class (`VolumeMatching.storageClass`).
    var claimClass: String { VolumeMatching.storageClass(self) }

    var volumePhase: String { self[path: ["status", "phase"]]?.string ?? "" }
    var claimVolumeName: String { self[path: ["spec", "volumeName"]]?.string ?? "" }

    /// A volume's `spec.claimRef`, nil when absent.
    var claimRef: JSON? {
        guard let ref = self[path: ["spec", "claimRef"]], !ref.isNull else { return nil }
        return ref
    }

    /// `spec.volumeMode`, Filesystem when unset (both defaults upstream).
    var volumeMode: String { self[path: ["spec", "volumeMode"]]?.string ?? "Filesystem" }

    /// The pod's claims by name: `persistentVolumeClaim` volumes and the claims generic ephemeral volumes
    /// make (`<pod>-<volume>`).
    var podClaimNames: [String] {
        (self[path: ["spec", "volumes"]]?.array ?? []).compactMap { v in
            if let claim = v[path: ["persistentVolumeClaim", "claimName"]]?.string { return claim }
            if v["ephemeral"] != nil, let name = v["name"]?.string { return "\(self.name)-\(name)" }
            return nil
        }
    }
}

/// Upstream `IsVolumeBoundToClaim`.
func isVolumeBound(_ volume: JSON, to claim: JSON) -> Bool { VolumeMatching.isBound(volume, to: claim) }

/// The ObjectReference a volume's claimRef holds for `claim` (upstream `ref.GetReference`).
func claimReference(_ claim: JSON) -> JSON {
    ["kind": "PersistentVolumeClaim", "namespace": .string(claim.namespace), "name": .string(claim.name),
     "uid": .string(claim.uid), "apiVersion": "v1", "resourceVersion": .string(claim.resourceVersion)]
}
