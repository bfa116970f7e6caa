import APIMachinery

/// Defaults shared by claims and claim templates.
enum StorageDefaults {
    /// `SetDefaults_PersistentVolumeClaimSpec`.
    static func applyClaimSpecDefaults(_ spec: inout JSON) {
        spec.defaultIfNil("volumeMode", "Filesystem")
        spec.editObject("resources") { r in
            r.editObject("requests") { PodSpecDefaults.roundResourceList(&$0) }
            r.editObject("limits") { PodSpecDefaults.roundResourceList(&$0) }
        }
    }

    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    static func validateAccessModes(_ modes: JSON?, _ path: FieldPath) -> [FieldError] {
        let list = stringList(modes)
        if list.isEmpty { return [.required(path, "at least 1 access mode is required")] }
        var errs: [FieldError] = []
        for m in list where !accessModes.contains(m) { errs.append(.notSupported(path, m, accessModes)) }
        if list.contains("ReadWriteOncePod") && list.count > 1 {
            errs.append(.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
        }
        return errs
    }
}

/// PersistentVolumeClaims (core/v1): `SetDefaults_PersistentVolumeClaim` (phase Pending, volumeMode
/// Filesystem), `ValidatePersistentVolumeClaim` and its update rule: the spec is immutable but for
/// growing `resources.requests`, a first `volumeName` and `volumeAttributesClassName`.
public struct PersistentVolumeClaimStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { StorageDefaults.applyClaimSpecDefaults(&$0) }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["phase": "Pending"]
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = StorageDefaults.validateAccessModes(spec["accessModes"], path.child("accessModes"))
        if let sel = spec["selector"], !sel.isNull { errs += validateLabelSelector(sel, path.child("selector")) }
        if spec["resources"]?["requests"]?["storage"] == nil && !spec.has("dataSourceRef") {
            errs.append(.required(path.child("resources").key("storage")))
        }
        if let mode = spec["volumeMode"]?.string, mode != "Filesystem", mode != "Block" {
            errs.append(.notSupported(path.child("volumeMode"), mode, ["Block", "Filesystem"]))
        }
        if let sc = spec["storageClassName"]?.string, !sc.isEmpty {
            errs += validateDNS1123Subdomain(sc, path.child("storageClassName"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        var spec = object["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        let newStorage = spec["resources"]?["requests"]?["storage"], oldStorage = oldSpec["resources"]?["requests"]?["storage"]
        // What may change: the requests (to grow), a volumeName not yet set, the attributes class.
        spec["resources"] = nil; oldSpec["resources"] = nil
        spec["volumeAttributesClassName"] = nil; oldSpec["volumeAttributesClassName"] = nil
        if Semantic.isZeroValue(oldSpec["volumeName"]) { spec["volumeName"] = nil; oldSpec["volumeName"] = nil }
        if !Semantic.equal(spec, oldSpec) {
            errs.append(.forbidden(FieldPath("spec"), "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        if let n = newStorage?.string, let o = oldStorage?.string, let nv = try? Quantity(parsing: n), let ov = try? Quantity(parsing: o), nv < ov {
            errs.append(.forbidden(FieldPath("spec", "resources", "requests").key("storage"), "field can not be less than status.capacity"))
        }
        return errs
    }
}

/// PersistentVolumes (core/v1): `SetDefaults_PersistentVolume` (Retain, Filesystem, phase Pending) and
/// `ValidatePersistentVolume` (capacity, access modes, exactly one volume source).
public struct PersistentVolumeStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let sources = [
        "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs",
        "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "local", "storageos", "csi",
    ]

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { s in
            s.defaultIfZero("persistentVolumeReclaimPolicy", "Retain")
            s.defaultIfNil("volumeMode", "Filesystem")
            s.editObject("capacity") { PodSpecDefaults.roundResourceList(&$0) }
            s.editObject("hostPath") { $0.defaultIfNil("type", "") }
        }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["phase": "Pending", "lastPhaseTransitionTime": .string(RFC3339.time())]
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = StorageDefaults.validateAccessModes(spec["accessModes"], path.child("accessModes"))
        if spec["capacity"]?["storage"] == nil {
            errs.append(.required(path.child("capacity").key("storage")))
        }
        let present = Self.sources.filter { spec.has($0) }
        if present.isEmpty {
            errs.append(.required(path, "must specify a volume type"))
        } else if present.count > 1 {
            errs.append(.forbidden(path.child(present[1]), "may not specify more than 1 volume type"))
        }
        if let p = spec["persistentVolumeReclaimPolicy"]?.string, !["Delete", "Recycle", "Retain"].contains(p) {
            errs.append(.notSupported(path.child("persistentVolumeReclaimPolicy"), p, ["Delete", "Recycle", "Retain"]))
        }
        if let hp = spec["hostPath"]?["path"]?.string, hp.isEmpty {
            errs.append(.required(path.child("hostPath", "path")))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        for s in Self.sources where old["spec"]?.has(s) == true {
            if !Semantic.equal(object["spec"]?[s], old["spec"]?[s]) {
                errs.append(.forbidden(FieldPath("spec", "persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
                break
            }
        }
        return errs
    }
}

/// StorageClasses (storage.k8s.io/v1): `SetDefaults_StorageClass` and `ValidateStorageClass`
/// (provisioner, parameters, reclaim policy and binding mode immutable).
public struct StorageClassStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("reclaimPolicy", "Delete")
        object.defaultIfNil("volumeBindingMode", "Immediate")
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let provisioner = object["provisioner"]?.string ?? ""
        if provisioner.isEmpty {
            errs.append(.required(FieldPath("provisioner")))
        } else if provisioner.utf8.count > 63 {
            errs.append(.tooLong(FieldPath("provisioner"), maxBytes: 63))
        } else {
            for m in isQualifiedName(provisioner.lowercased()) { errs.append(.invalid(FieldPath("provisioner"), provisioner, m)) }
        }
        if let p = object["reclaimPolicy"]?.string, p != "Delete", p != "Retain" {
            errs.append(.notSupported(FieldPath("reclaimPolicy"), p, ["Delete", "Retain"]))
        }
        if let m = object["volumeBindingMode"]?.string, m != "Immediate", m != "WaitForFirstConsumer" {
            errs.append(.notSupported(FieldPath("volumeBindingMode"), m, ["Immediate", "WaitForFirstConsumer"]))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if !Semantic.equal(object["parameters"], old["parameters"]) {
            errs.append(.forbidden(FieldPath("parameters"), "updates to parameters are forbidden."))
        }
        if object["provisioner"] != old["provisioner"] {
            errs.append(.forbidden(FieldPath("provisioner"), "updates to provisioner are forbidden."))
        }
        if object["reclaimPolicy"] != old["reclaimPolicy"] {
            errs.append(.forbidden(FieldPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
        }
        if object["volumeBindingMode"] != old["volumeBindingMode"] {
            errs.append(.invalid(FieldPath("volumeBindingMode"), object["volumeBindingMode"]?.string ?? "", Msg.immutable))
        }
        return errs
    }
}

/// CSIDrivers (storage.k8s.io/v1): `SetDefaults_CSIDriver`; the spec is immutable but for a few knobs.
public struct CSIDriverStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { s in
            s.defaultIfNil("attachRequired", true)
            s.defaultIfNil("podInfoOnMount", false)
            s.defaultIfNil("storageCapacity", false)
            s.defaultIfNil("fsGroupPolicy", "ReadWriteOnceWithFSType")
            s.defaultIfNil("requiresRepublish", false)
            s.defaultIfNil("seLinuxMount", false)
            if (s["volumeLifecycleModes"]?.array ?? []).isEmpty { s["volumeLifecycleModes"] = ["Persistent"] }
        }
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        if name.utf8.count > 63 { errs.append(.tooLong(FieldPath("metadata", "name"), maxBytes: 63)) }
        for m in stringList(object["spec"]?["volumeLifecycleModes"]) where m != "Persistent" && m != "Ephemeral" {
            errs.append(.notSupported(FieldPath("spec", "volumeLifecycleModes"), m, ["Ephemeral", "Persistent"]))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        for f in ["attachRequired", "podInfoOnMount", "volumeLifecycleModes"] where !Semantic.equal(object["spec"]?[f], old["spec"]?[f]) {
            errs.append(.invalid(FieldPath("spec", f), raw: object["spec"]?[f]?.bool.map(GoSyntax.bool) ?? GoSyntax.stringSlice(object["spec"]?[f]), Msg.immutable))
        }
        return errs
    }
}

/// VolumeAttachments (storage.k8s.io/v1): attacher, node and exactly one source; the spec is immutable.
public struct VolumeAttachmentStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        if (spec["attacher"]?.string ?? "").isEmpty { errs.append(.required(path.child("attacher"))) }
        if (spec["nodeName"]?.string ?? "").isEmpty { errs.append(.required(path.child("nodeName"))) }
        let src = spec["source"] ?? [:]
        if src.has("persistentVolumeName") == src.has("inlineVolumeSpec") {
            errs.append(.required(path.child("source"), "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if !Semantic.equal(object["spec"], old["spec"]) {
            errs.append(.invalid(FieldPath("spec"), raw: "storage.VolumeAttachmentSpec{...}", Msg.immutable))
        }
        return errs
    }
}

