import APIMachinery

/// ReplicaSets (apps/v1): `SetDefaults_ReplicaSet`, `rsStrategy` (generation 1 on create and +1 on
/// spec changes, selector immutable) and `ValidateReplicaSet`. Field selector: `status.replicas`.
public struct ReplicaSetStrategy: GenerationalStrategy, StatusValidatingStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    /// ReplicaSetStatus.replicas has no omitempty upstream: an empty status reads `{replicas: 0}`.
    public var initialStatus: JSON { ["replicas": 0] }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfNil("replicas", 1)
        WorkloadDefaults.applyTemplateDefaults(&spec)
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:]
        let path = FieldPath("spec")
        var errs = validateNonnegative(spec["replicas"]?.int ?? 0, path.child("replicas"))
        errs += validateNonnegative(spec["minReadySeconds"]?.int ?? 0, path.child("minReadySeconds"))
        errs += WorkloadValidation.validateSelectorAndTemplate(spec, kind: "ReplicaSet", path)
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validate(object) + WorkloadValidation.validateSelectorUnchanged(object["spec"]?["selector"], old["spec"]?["selector"], FieldPath("spec", "selector"))
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        WorkloadValidation.validateReplicaCounters(object["status"] ?? [:], fields: ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"], FieldPath("status"))
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["status.replicas"] = String(object["status"]?["replicas"]?.int ?? 0)
        return f
    }
}
