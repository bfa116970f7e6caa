import APIMachinery

/// Deployments (apps/v1): `SetDefaults_Deployment`, `deploymentStrategy` (generation 1 on create and
/// +1 on spec or annotation changes, status kept on update, selector immutable) and
/// `ValidateDeployment`.
public struct DeploymentStrategy: GenerationalStrategy, StatusValidatingStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var initialStatus: JSON { [:] }
    /// Annotations count too: they are copied to the replica sets.
    public var annotationsBumpGeneration: Bool { true }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfNil("replicas", 1)
        var strategy = spec["strategy"] ?? [:]
        strategy.defaultIfZero("type", "RollingUpdate")
        if strategy["type"]?.string == "RollingUpdate" {
            strategy.defaultIfNil("rollingUpdate", [:])
            strategy.editObject("rollingUpdate") { ru in
                ru.defaultIfNil("maxUnavailable", "25%")
                ru.defaultIfNil("maxSurge", "25%")
            }
        }
        spec["strategy"] = strategy
        spec.defaultIfNil("revisionHistoryLimit", 10)
        spec.defaultIfNil("progressDeadlineSeconds", 600)
        WorkloadDefaults.applyTemplateDefaults(&spec)
        object["spec"] = spec
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        merged[path: ["metadata", "labels"]] = old["metadata"]?["labels"]
        merged["status"] = object["status"]
        object = merged
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:]
        let path = FieldPath("spec")
        var errs = validateNonnegative(spec["replicas"]?.int ?? 0, path.child("replicas"))
        errs += WorkloadValidation.validateSelectorAndTemplate(spec, kind: "Deployment", path)
        errs += WorkloadValidation.validateDeploymentStrategy(spec["strategy"], path.child("strategy"))
        let minReady = spec["minReadySeconds"]?.int ?? 0
        errs += validateNonnegative(minReady, path.child("minReadySeconds"))
        if let rhl = spec["revisionHistoryLimit"]?.int { errs += validateNonnegative(rhl, path.child("revisionHistoryLimit")) }
        if let pds = spec["progressDeadlineSeconds"]?.int {
            errs += validateNonnegative(pds, path.child("progressDeadlineSeconds"))
            if pds <= minReady {
                errs.append(.invalid(path.child("progressDeadlineSeconds"), int: pds, "must be greater than minReadySeconds"))
            }
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validate(object) + WorkloadValidation.validateSelectorUnchanged(object["spec"]?["selector"], old["spec"]?["selector"], FieldPath("spec", "selector"))
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        let status = object["status"] ?? [:]
        let path = FieldPath("status")
        var errs = WorkloadValidation.validateReplicaCounters(status, fields: ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"], path)
        if let cc = status["collisionCount"]?.int { errs += validateNonnegative(cc, path.child("collisionCount")) }
        if let oldCC = old["status"]?["collisionCount"]?.int, (status["collisionCount"]?.int ?? -1) < oldCC {
            errs.append(.invalid(path.child("collisionCount"), int: status["collisionCount"]?.int ?? 0, "cannot be decremented"))
        }
        return errs
    }
}
