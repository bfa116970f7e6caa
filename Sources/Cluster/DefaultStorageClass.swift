import APIMachinery
import Client

/// The StorageClass kind ships in every cluster: `standard`, the default (so claims that name no class
/// get it), served by the local-path provisioner the controller manager runs, binding only once a pod
/// uses the claim (so the volume is made on that pod's node) and deleting the volume with its claim.
public enum DefaultStorageClass {
    public static let name = "standard"
    public static let provisioner = "rancher.io/local-path"

    public static var object: JSON {
        [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": ["name": .string(name), "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": .string(provisioner),
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        ]
    }

    /// Created when missing; an existing class (a restarted cluster's, perhaps edited by its user) is left as it is.
    static func create(client: KubeClient) async throws {
        do {
            _ = try await client.create(.storageclasses, object)
        } catch let e as APIError where e.code == 409 {
            return
        }
    }
}
