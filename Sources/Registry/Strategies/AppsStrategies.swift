import APIMachinery

/// StatefulSets (apps/v1): `SetDefaults_StatefulSet`, `statefulSetStrategy` and `ValidateStatefulSet`
/// (selector, serviceName, volumeClaimTemplates and podManagementPolicy immutable).
public struct StatefulSetStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["availableReplicas": 0, "replicas": 0] }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfZero("podManagementPolicy", "OrderedReady")
        var strategy = spec["updateStrategy"] ?? [:]
        strategy.defaultIfZero("type", "RollingUpdate")
        if strategy["type"]?.string == "RollingUpdate" {
            strategy.defaultIfNil("rollingUpdate", [:])
            strategy.editObject("rollingUpdate") { $0.defaultIfNil("partition", 0) }
        }
        spec["updateStrategy"] = strategy
        var retention = spec["persistentVolumeClaimRetentionPolicy"] ?? [:]
        retention.defaultIfZero("whenDeleted", "Retain")
        retention.defaultIfZero("whenScaled", "Retain")
        spec["persistentVolumeClaimRetentionPolicy"] = retention
        spec.defaultIfNil("replicas", 1)
        spec.defaultIfNil("revisionHistoryLimit", 10)
        spec.editEach("volumeClaimTemplates") { pvc in
            if pvc["apiVersion"] == nil { pvc["apiVersion"] = "v1" }
            if pvc["kind"] == nil { pvc["kind"] = "PersistentVolumeClaim" }
            pvc.defaultIfNil("metadata", [:])
            pvc.editObject("metadata") { m in if m["creationTimestamp"] == nil { m["creationTimestamp"] = .null } }
            pvc.defaultIfNil("spec", [:])
            pvc.editObject("spec") { StorageDefaults.applyClaimSpecDefaults(&$0) }
            pvc.defaultIfNil("status", [:])
            pvc.editObject("status") { $0.defaultIfZero("phase", "Pending") }
        }
        WorkloadDefaults.applyTemplateDefaults(&spec)
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = validateNonnegative(spec["replicas"]?.int ?? 0, path.child("replicas"))
        errs += validateNonnegative(spec["minReadySeconds"]?.int ?? 0, path.child("minReadySeconds"))
        if let p = spec["podManagementPolicy"]?.string, p != "OrderedReady", p != "Parallel" {
            errs.append(.invalid(path.child("podManagementPolicy"), p, "must be 'OrderedReady' or 'Parallel'"))
        }
        let type = spec["updateStrategy"]?["type"]?.string ?? ""
        switch type {
        case "RollingUpdate":
            if let p = spec["updateStrategy"]?["rollingUpdate"]?["partition"]?.int {
                errs += validateNonnegative(p, path.child("updateStrategy", "rollingUpdate", "partition"))
            }
        case "OnDelete":
            if spec["updateStrategy"]?.has("rollingUpdate") == true {
                errs.append(.invalid(path.child("updateStrategy", "rollingUpdate"), raw: "", "only allowed for updateStrategy 'RollingUpdate'"))
            }
        default:
            errs.append(.invalid(path.child("updateStrategy"), type, "must be 'RollingUpdate' or 'OnDelete'"))
        }
        for f in ["whenDeleted", "whenScaled"] {
            if let v = spec["persistentVolumeClaimRetentionPolicy"]?[f]?.string, v != "Retain", v != "Delete" {
                errs.append(.notSupported(path.child("persistentVolumeClaimRetentionPolicy", f), v, ["Retain", "Delete"]))
            }
        }
        errs += WorkloadValidation.validateSelectorAndTemplate(Self.withClaimVolumes(spec), kind: "StatefulSet", path)
        return errs
    }

    /// The spec with a volume for each `volumeClaimTemplates` entry the template does not already name:
    /// containers mount the claims by template name, and the controller adds those volumes to each pod
    /// (upstream leaves a StatefulSet's pod spec unvalidated for this reason).
    static func withClaimVolumes(_ spec: JSON) -> JSON {
        let claims = (spec["volumeClaimTemplates"]?.array ?? []).compactMap { $0["metadata"]?["name"]?.string }
        guard !claims.isEmpty else { return spec }
        var volumes = spec["template"]?["spec"]?["volumes"]?.array ?? []
        let existing = Set(volumes.compactMap { $0["name"]?.string })
        for c in claims where !existing.contains(c) {
            volumes.append(["name": .string(c), "persistentVolumeClaim": ["claimName": .string(c)]])
        }
        var copy = spec
        copy[path: ["template", "spec", "volumes"]] = .array(volumes)
        return copy
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        let spec = object["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        // Upstream reports one error for every forbidden spec change.
        var restricted = spec, oldRestricted = oldSpec
        for f in ["replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "ordinals", "revisionHistoryLimit"] {
            restricted[f] = nil
            oldRestricted[f] = nil
        }
        if !Semantic.equal(restricted, oldRestricted) {
            errs.append(.forbidden(FieldPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
        }
        return errs
    }
}

/// DaemonSets (apps/v1): `SetDefaults_DaemonSet`, `daemonSetStrategy`, `ValidateDaemonSet`.
public struct DaemonSetStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0, "numberReady": 0] }
    /// apps/v1's view of the internal `spec.templateGeneration`: 1 on create, +1 whenever the template
    /// changes, never set by clients (the DaemonSet controller labels pods `pod-template-generation` with it).
    static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = initialStatus
        object[path: ["metadata", "generation"]] = 1
        let given = Int64(object[path: ["metadata", "annotations", Self.templateGenerationAnnotation]]?.string ?? "") ?? 0
        object[path: ["metadata", "annotations", Self.templateGenerationAnnotation]] = .string(String(max(1, given)))
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
        let g = old["metadata"]?["generation"]?.int ?? 0
        let oldTemplateGeneration = Int64(old[path: ["metadata", "annotations", Self.templateGenerationAnnotation]]?.string ?? "") ?? 1
        var templateGeneration = oldTemplateGeneration
        if !Semantic.equal(object["spec"]?["template"], old["spec"]?["template"]) {
            templateGeneration += 1
            object[path: ["metadata", "generation"]] = .int(g + 1)
        } else {
            object[path: ["metadata", "generation"]] = .int(Semantic.equal(object["spec"], old["spec"]) ? g : g + 1)
        }
        object[path: ["metadata", "annotations", Self.templateGenerationAnnotation]] = .string(String(templateGeneration))
    }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        var strategy = spec["updateStrategy"] ?? [:]
        strategy.defaultIfZero("type", "RollingUpdate")
        if strategy["type"]?.string == "RollingUpdate" {
            strategy.defaultIfNil("rollingUpdate", [:])
            strategy.editObject("rollingUpdate") { ru in
                ru.defaultIfNil("maxUnavailable", 1)
                ru.defaultIfNil("maxSurge", 0)
            }
        }
        spec["updateStrategy"] = strategy
        spec.defaultIfNil("revisionHistoryLimit", 10)
        WorkloadDefaults.applyTemplateDefaults(&spec)
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = WorkloadValidation.validateSelectorAndTemplate(spec, kind: "DaemonSet", path)
        errs += validateNonnegative(spec["minReadySeconds"]?.int ?? 0, path.child("minReadySeconds"))
        let type = spec["updateStrategy"]?["type"]?.string ?? ""
        if type != "RollingUpdate" && type != "OnDelete" {
            errs.append(.notSupported(path.child("updateStrategy", "type"), type, ["OnDelete", "RollingUpdate"]))
        }
        if type == "RollingUpdate", let ru = spec["updateStrategy"]?["rollingUpdate"] {
            let rp = path.child("updateStrategy", "rollingUpdate")
            errs += WorkloadValidation.validateIntOrPercent(ru["maxUnavailable"], rp.child("maxUnavailable"))
            errs += WorkloadValidation.validateIntOrPercent(ru["maxSurge"], rp.child("maxSurge"))
            if WorkloadValidation.intOrPercentValue(ru["maxUnavailable"]) == 0 && WorkloadValidation.intOrPercentValue(ru["maxSurge"]) == 0 {
                errs.append(.invalid(rp.child("maxUnavailable"), raw: GoSyntax.intOrStringValue(ru["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"))
            }
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validate(object) + WorkloadValidation.validateSelectorUnchanged(object["spec"]?["selector"], old["spec"]?["selector"], FieldPath("spec", "selector"))
    }
}

/// ReplicationControllers (core/v1): `SetDefaults_ReplicationController` (selector and labels from the
/// template, one replica) and `ValidateReplicationController`.
public struct ReplicationControllerStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["replicas": 0] }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        if let labels = spec["template"]?["metadata"]?["labels"], !(labels.object ?? [:]).isEmpty {
            if (spec["selector"]?.object ?? [:]).isEmpty { spec["selector"] = labels }
            if (object[path: ["metadata", "labels"]]?.object ?? [:]).isEmpty { object[path: ["metadata", "labels"]] = labels }
        }
        spec.defaultIfNil("replicas", 1)
        if spec.has("template") { WorkloadDefaults.applyTemplateDefaults(&spec) }
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = validateNonnegative(spec["replicas"]?.int ?? 0, path.child("replicas"))
        errs += validateNonnegative(spec["minReadySeconds"]?.int ?? 0, path.child("minReadySeconds"))
        let selector = spec["selector"]?.stringMap ?? [:]
        if selector.isEmpty { errs.append(.required(path.child("selector"))) }
        errs += validateLabels(spec["selector"], path.child("selector"))
        if let template = spec["template"], !template.isNull {
            let labels = template["metadata"]?["labels"]?.stringMap ?? [:]
            if !selector.isEmpty, !selector.allSatisfy({ labels[$0.key] == $0.value }) {
                errs.append(.invalid(path.child("template", "metadata", "labels"), raw: GoSyntax.stringMap(template["metadata"]?["labels"]), "`selector` does not match template `labels`"))
            }
            errs += WorkloadValidation.validatePodTemplateSpec(template, path.child("template"))
            let restart = template["spec"]?["restartPolicy"]?.string ?? ""
            if restart != "Always" { errs.append(.notSupported(path.child("template", "spec", "restartPolicy"), restart, ["Always"])) }
        } else {
            errs.append(.required(path.child("template")))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// PodTemplates (core/v1): the shared template defaults and `ValidatePodTemplate`.
public struct PodTemplateStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        WorkloadDefaults.applyTemplateDefaults(&object)
    }

    public func validate(_ object: JSON) -> [FieldError] {
        WorkloadValidation.validatePodTemplateSpec(object["template"] ?? [:], FieldPath("template"))
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// ControllerRevisions (apps/v1): `revision` is required to be non-negative and `data` immutable.
public struct ControllerRevisionStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        validateNonnegative(object["revision"]?.int ?? 0, FieldPath("revision"))
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if !Semantic.equal(object["data"], old["data"]) {
            errs.append(.invalid(FieldPath("data"), raw: "runtime.RawExtension{...}", Msg.immutable))
        }
        return errs
    }
}
