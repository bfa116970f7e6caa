import APIMachinery

/// Upstream's storage admission plugins, as pure functions over the object being created (the API
/// server supplies the StorageClasses): `DefaultStorageClass` gives a claim that names no class the
/// cluster's default one, and `StorageObjectInUseProtection` puts the protection finalizers on new claims
/// and volumes, so neither can vanish while in use, whatever the controllers have seen yet.
public enum StorageAdmission {
    public static let isDefaultClass = "storageclass.kubernetes.io/is-default-class"
    public static let betaIsDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
    public static let betaStorageClass = "volume.beta.kubernetes.io/storage-class"
    public static let pvcProtectionFinalizer = "kubernetes.io/pvc-protection"
    public static let pvProtectionFinalizer = "kubernetes.io/pv-protection"

    /// Upstream `GetDefaultClass`: of the classes annotated as default, the newest (then the first by name)
    /// — several defaults are tolerated, as when one is being replaced by another.
    public static func defaultClass(among classes: [JSON]) -> String? {
        DefaultClassChoice.newest(among: classes) { c in
            let ann = c[path: ["metadata", "annotations"]]
            return ann?[isDefaultClass]?.string == "true" || ann?[betaIsDefaultClass]?.string == "true"
        }
    }

    /// `DefaultStorageClass` on a new claim: only a claim with no `storageClassName` at all (an empty one
    /// asks for no class) and no beta class annotation gets the default.
    public static func setDefaultClass(_ claim: inout JSON, classes: [JSON]) {
        if let set = claim[path: ["spec", "storageClassName"]], !set.isNull { return }
        if claim[path: ["metadata", "annotations", betaStorageClass]] != nil { return }
        guard let name = defaultClass(among: classes) else { return }
        claim[path: ["spec", "storageClassName"]] = .string(name)
    }

    /// `StorageObjectInUseProtection`: the finalizer, once.
    public static func addFinalizer(_ object: inout JSON, _ finalizer: String) {
        var list = object[path: ["metadata", "finalizers"]]?.array ?? []
        if list.contains(.string(finalizer)) { return }
        list.append(.string(finalizer))
        object[path: ["metadata", "finalizers"]] = .array(list)
    }
}
