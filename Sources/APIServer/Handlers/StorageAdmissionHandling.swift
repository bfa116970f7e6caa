import APIMachinery
import Foundation
import Registry

/// Runs the storage admission plugins (`StorageAdmission`) on created claims and volumes.
extension APIHandler {
    func admitStorage(_ object: inout JSON, resource: String) async throws {
        switch resource {
        case "persistentvolumeclaims":
            if let classes = store("storage.k8s.io", "storageclasses") {
                let page = try await classes.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
                StorageAdmission.setDefaultClass(&object, classes: page.items)
            }
            StorageAdmission.addFinalizer(&object, StorageAdmission.pvcProtectionFinalizer)
        case "persistentvolumes":
            StorageAdmission.addFinalizer(&object, StorageAdmission.pvProtectionFinalizer)
        default:
            return
        }
    }
}
