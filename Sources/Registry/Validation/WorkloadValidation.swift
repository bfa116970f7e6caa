import APIMachinery

/// Validation shared by deployments and replica sets (upstream's `apps/validation`): selector and
/// template agreement, the pod template, and the rollout knobs.
enum WorkloadValidation {
    /// `ValidatePodTemplateSpec`: template labels/annotations (reported at `template.labels`, as
    /// upstream does), the pod spec, no ephemeral containers.
    static func validatePodTemplateSpec(_ template: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = validateLabels(template["metadata"]?["labels"], path.child("labels"))
        errs += validateAnnotations(template["metadata"]?["annotations"], path.child("annotations"))
        let spec = template["spec"] ?? [:]
        errs += PodSpecValidation(isPod: false).validate(spec, path.child("spec"))
        if !(spec["ephemeralContainers"]?.array ?? []).isEmpty {
            errs.append(.forbidden(path.child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
        }
        return errs
    }

    /// `ValidatePodTemplateSpecForReplicaSet`: the selector must select the template's labels and pods
    /// must restart Always.
    static func validateTemplateForReplicaSet(_ template: JSON, selector: LabelSelector, kind: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let labels = template["metadata"]?["labels"]
        if !selector.isEverything && !selector.matches(labels?.stringMap ?? [:]) {
            errs.append(.invalid(path.child("metadata", "labels"), raw: GoSyntax.stringMap(labels), "`selector` does not match template `labels`"))
        }
        errs += validatePodTemplateSpec(template, path)
        let restart = template["spec"]?["restartPolicy"]?.string ?? ""
        if restart != "Always" { errs.append(.notSupported(path.child("spec", "restartPolicy"), restart, ["Always"])) }
        if template["spec"]?["activeDeadlineSeconds"]?.int != nil {
            errs.append(.forbidden(path.child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in \(kind) is not Supported"))
        }
        return errs
    }

    /// The selector checks of `ValidateDeploymentSpec`/`ValidateReplicaSetSpec` followed by the
    /// template checks (skipped when the selector does not parse, as upstream skips them).
    static func validateSelectorAndTemplate(_ spec: JSON, kind: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let selector = spec["selector"]
        if selector == nil || selector!.isNull {
            errs.append(.required(path.child("selector")))
        } else {
            errs += validateLabelSelector(selector, path.child("selector"))
            if (selector?["matchLabels"]?.object ?? [:]).isEmpty && (selector?["matchExpressions"]?.array ?? []).isEmpty {
                errs.append(.invalid(path.child("selector"), raw: GoSyntax.labelSelector(selector), "empty selector is invalid for deployment"))
            }
        }
        if let matcher = try? LabelSelector(labelSelector: selector) {
            errs += validateTemplateForReplicaSet(spec["template"] ?? [:], selector: matcher, kind: kind, path.child("template"))
        } else {
            errs.append(.invalid(path.child("selector"), raw: GoSyntax.labelSelector(selector), "invalid label selector"))
        }
        return errs
    }

    /// `ValidatePositiveIntOrPercent`: a non-negative integer or a percent string. Upstream prints the
    /// IntOrString through its `String()` method, so the value is unquoted.
    static func validateIntOrPercent(_ v: JSON?, _ path: FieldPath) -> [FieldError] {
        if let s = v?.string { return isValidPercent(s).map { .invalid(path, raw: s, $0) } }
        return validateNonnegative(v?.int ?? 0, path)
    }

    static func percentValue(_ v: JSON?) -> Int? {
        guard let s = v?.string, isValidPercent(s).isEmpty else { return nil }
        return Int(s.dropLast())
    }

    /// `getIntOrPercentValue`.
    static func intOrPercentValue(_ v: JSON?) -> Int64 {
        if let p = percentValue(v) { return Int64(p) }
        if let s = v?.string { return Int64(s) ?? 0 }
        return v?.int ?? 0
    }

    /// `ValidateDeploymentStrategy`.
    static func validateDeploymentStrategy(_ strategy: JSON?, _ path: FieldPath) -> [FieldError] {
        let type = strategy?["type"]?.string ?? ""
        switch type {
        case "Recreate":
            if strategy?.has("rollingUpdate") == true {
                return [.forbidden(path.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
            }
            return []
        case "RollingUpdate":
            guard let ru = strategy?["rollingUpdate"], ru.isObject else {
                return [.required(path.child("rollingUpdate"), "this should be defaulted and never be nil")]
            }
            let rp = path.child("rollingUpdate")
            var errs = validateIntOrPercent(ru["maxUnavailable"], rp.child("maxUnavailable"))
            errs += validateIntOrPercent(ru["maxSurge"], rp.child("maxSurge"))
            if intOrPercentValue(ru["maxUnavailable"]) == 0 && intOrPercentValue(ru["maxSurge"]) == 0 {
                errs.append(.invalid(rp.child("maxUnavailable"), raw: GoSyntax.intOrStringValue(ru["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"))
            }
            if let p = percentValue(ru["maxUnavailable"]), p > 100 {
                errs.append(.invalid(rp.child("maxUnavailable"), raw: GoSyntax.intOrStringValue(ru["maxUnavailable"]), "must not be greater than 100%"))
            }
            return errs
        default:
            let ru = strategy?["rollingUpdate"]
            let ruText = ru.map { $0.isNull ? "(*apps.RollingUpdateDeployment)(nil)" : "&apps.RollingUpdateDeployment{MaxUnavailable:\(GoSyntax.intOrString($0["maxUnavailable"])), MaxSurge:\(GoSyntax.intOrString($0["maxSurge"]))}" } ?? "(*apps.RollingUpdateDeployment)(nil)"
            let raw = "apps.DeploymentStrategy{Type:\(GoSyntax.quote(type)), RollingUpdate:\(ruText)}"
            return [.notSupported(path, raw: raw, ["Recreate", "RollingUpdate"])]
        }
    }

    /// Status counters: non-negative and consistent (`ValidateDeploymentStatus`, `ValidateReplicaSetStatus`).
    static func validateReplicaCounters(_ status: JSON, fields: [String], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for f in fields { errs += validateNonnegative(status[f]?.int ?? 0, path.child(f)) }
        let replicas = status["replicas"]?.int ?? 0
        let msg = "cannot be greater than status.replicas"
        for f in ["fullyLabeledReplicas", "updatedReplicas", "readyReplicas", "availableReplicas"] where fields.contains(f) {
            let v = status[f]?.int ?? 0
            if v > replicas { errs.append(.invalid(path.child(f), int: v, msg)) }
        }
        let available = status["availableReplicas"]?.int ?? 0, ready = status["readyReplicas"]?.int ?? 0
        if available > ready { errs.append(.invalid(path.child("availableReplicas"), int: available, "cannot be greater than readyReplicas")) }
        return errs
    }

    /// Selector immutability for apps/v1 updates.
    static func validateSelectorUnchanged(_ new: JSON?, _ old: JSON?, _ path: FieldPath) -> [FieldError] {
        Semantic.equal(new, old) ? [] : [.invalid(path, raw: GoSyntax.labelSelector(new), Msg.immutable)]
    }
}
