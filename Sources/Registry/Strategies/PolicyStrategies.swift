import APIMachinery

// MARK: networking.k8s.io

/// Ingresses (networking.k8s.io/v1): `ValidateIngress` — paths with a supported pathType, backends
/// naming exactly one of a service or a resource, a service port by name or number.
public struct IngressStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["loadBalancer": [:]] }

    static let pathTypes = ["Exact", "ImplementationSpecific", "Prefix"]

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs: [FieldError] = []
        let rules = spec["rules"]?.array ?? []
        if rules.isEmpty && !spec.has("defaultBackend") {
            errs.append(.invalid(path.child("rules"), raw: "[]networking.IngressRule(nil)", "either `defaultBackend` or `rules` must be specified"))
        }
        if let b = spec["defaultBackend"], !b.isNull { errs += Self.validateBackend(b, path.child("defaultBackend")) }
        for (i, rule) in rules.enumerated() {
            let rp = path.child("rules").index(i)
            if let host = rule["host"]?.string, !host.isEmpty {
                let h = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
                for m in isDNS1123Subdomain(h) { errs.append(.invalid(rp.child("host"), host, m)) }
            }
            guard let http = rule["http"], !http.isNull else { continue }
            let paths = http["paths"]?.array ?? []
            if paths.isEmpty { errs.append(.required(rp.child("http", "paths"))) }
            for (j, p) in paths.enumerated() {
                let pp = rp.child("http", "paths").index(j)
                let pathType = p["pathType"]?.string ?? ""
                if pathType.isEmpty {
                    errs.append(.required(pp.child("pathType"), "pathType must be specified"))
                } else if !Self.pathTypes.contains(pathType) {
                    errs.append(.notSupported(pp.child("pathType"), pathType, Self.pathTypes))
                } else if pathType != "ImplementationSpecific" {
                    let value = p["path"]?.string ?? ""
                    if !value.hasPrefix("/") { errs.append(.invalid(pp.child("path"), value, "must be an absolute path")) }
                }
                errs += Self.validateBackend(p["backend"] ?? [:], pp.child("backend"))
            }
        }
        return errs
    }

    static func validateBackend(_ b: JSON, _ path: FieldPath) -> [FieldError] {
        let hasService = b.has("service"), hasResource = b.has("resource")
        if hasService == hasResource {
            return [.invalid(path, raw: "", hasService ? "cannot set both resource and service backends" : "resource or service backend is required")]
        }
        guard hasService, let svc = b["service"] else { return [] }
        var errs: [FieldError] = []
        let name = svc["name"]?.string ?? ""
        if name.isEmpty { errs.append(.required(path.child("service", "name"))) }
        else { for m in isDNS1035Label(name) { errs.append(.invalid(path.child("service", "name"), name, m)) } }
        let port = svc["port"] ?? [:]
        let hasName = !(port["name"]?.string ?? "").isEmpty, hasNumber = port.has("number")
        if hasName && hasNumber {
            errs.append(.invalid(path.child("service", "port"), raw: "", "cannot set both port name & port number"))
        } else if hasNumber {
            let n = port["number"]?.int ?? 0
            for m in isValidPortNum(n) { errs.append(.invalid(path.child("service", "port", "number"), int: n, m)) }
        } else if !hasName {
            errs.append(.required(path.child("service", "port"), "port name or number is required"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// IngressClasses: `SetDefaults_IngressClass` (parameters scope Cluster) and the immutable controller.
public struct IngressClassStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { .null }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { s in s.editObject("parameters") { $0.defaultIfNil("scope", "Cluster") } }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object[path: ["metadata", "generation"]] = 1
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let controller = object["spec"]?["controller"]?.string ?? ""
        if controller.utf8.count > 250 { return [.tooLong(FieldPath("spec", "controller"), maxBytes: 250)] }
        return []
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if object["spec"]?["controller"] != old["spec"]?["controller"] {
            errs.append(.invalid(FieldPath("spec", "controller"), object["spec"]?["controller"]?.string ?? "", Msg.immutable))
        }
        return errs
    }
}

/// NetworkPolicies: `SetDefaults_NetworkPolicy` (policyTypes, port protocol TCP) and the basic
/// `ValidateNetworkPolicy` checks.
public struct NetworkPolicyStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { .null }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfNil("podSelector", [:])
        if (spec["policyTypes"]?.array ?? []).isEmpty {
            spec["policyTypes"] = (spec["egress"]?.array ?? []).isEmpty ? ["Ingress"] : ["Ingress", "Egress"]
        }
        for key in ["ingress", "egress"] {
            spec.editEach(key) { rule in rule.editEach("ports") { $0.defaultIfNil("protocol", "TCP") } }
        }
        object["spec"] = spec
    }

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = nil
        object[path: ["metadata", "generation"]] = 1
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs = validateLabelSelector(spec["podSelector"], path.child("podSelector"))
        let types = stringList(spec["policyTypes"])
        for (i, t) in types.enumerated() where t != "Ingress" && t != "Egress" {
            errs.append(.notSupported(path.child("policyTypes").index(i), t, ["Egress", "Ingress"]))
        }
        if types.count > 2 { errs.append(.invalid(path.child("policyTypes"), raw: GoSyntax.stringSlice(types), "may not specify more than two policyTypes")) }
        for key in ["ingress", "egress"] {
            for (i, rule) in (spec[key]?.array ?? []).enumerated() {
                for (j, port) in (rule["ports"]?.array ?? []).enumerated() {
                    let pp = path.child(key).index(i).child("ports").index(j)
                    if let p = port["protocol"]?.string, !["TCP", "UDP", "SCTP"].contains(p) {
                        errs.append(.notSupported(pp.child("protocol"), p, ["SCTP", "TCP", "UDP"]))
                    }
                    if let n = port["port"]?.int { for m in isValidPortNum(n) { errs.append(.invalid(pp.child("port"), int: n, m)) } }
                }
            }
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

// MARK: rbac.authorization.k8s.io

enum RBACValidation {
    static let group = "rbac.authorization.k8s.io"

    static func validateRules(_ rules: JSON?, _ path: FieldPath, isNamespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, rule) in (rules?.array ?? []).enumerated() {
            let rp = path.index(i)
            if stringList(rule["verbs"]).isEmpty { errs.append(.required(rp.child("verbs"), "verbs must contain at least one value")) }
            let nonResource = stringList(rule["nonResourceURLs"])
            if !nonResource.isEmpty {
                if isNamespaced {
                    errs.append(.invalid(rp.child("nonResourceURLs"), raw: GoSyntax.stringSlice(nonResource), "namespaced rules cannot apply to non-resource URLs"))
                }
                if !stringList(rule["apiGroups"]).isEmpty || !stringList(rule["resources"]).isEmpty {
                    errs.append(.invalid(rp.child("nonResourceURLs"), raw: GoSyntax.stringSlice(nonResource), "rules cannot apply to both regular resources and non-resource URLs"))
                }
                continue
            }
            if (rule["apiGroups"]?.array ?? []).isEmpty {
                errs.append(.required(rp.child("apiGroups"), "resource rules must supply at least one api group"))
            }
            if stringList(rule["resources"]).isEmpty {
                errs.append(.required(rp.child("resources"), "resource rules must supply at least one resource"))
            }
        }
        return errs
    }

    static func validateRoleRef(_ ref: JSON?, _ path: FieldPath, clusterOnly: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let group = ref?["apiGroup"]?.string ?? "", kind = ref?["kind"]?.string ?? "", name = ref?["name"]?.string ?? ""
        if group != Self.group { errs.append(.notSupported(path.child("apiGroup"), group, [Self.group])) }
        let kinds = clusterOnly ? ["ClusterRole"] : ["Role", "ClusterRole"]
        if !kinds.contains(kind) { errs.append(.notSupported(path.child("kind"), kind, kinds)) }
        if name.isEmpty {
            errs.append(.required(path.child("name")))
        } else {
            for m in isValidPathSegmentName(name) { errs.append(.invalid(path.child("name"), name, m)) }
        }
        return errs
    }

    static func validateSubjects(_ subjects: JSON?, _ path: FieldPath, isNamespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, s) in (subjects?.array ?? []).enumerated() {
            let sp = path.index(i)
            let name = s["name"]?.string ?? "", kind = s["kind"]?.string ?? "", group = s["apiGroup"]?.string ?? ""
            if name.isEmpty { errs.append(.required(sp.child("name"))) }
            switch kind {
            case "ServiceAccount":
                if !group.isEmpty { errs.append(.notSupported(sp.child("apiGroup"), group, [""])) }
                if !name.isEmpty { for m in isDNS1123Subdomain(name) { errs.append(.invalid(sp.child("name"), name, m)) } }
                if !isNamespaced && (s["namespace"]?.string ?? "").isEmpty { errs.append(.required(sp.child("namespace"))) }
            case "User", "Group":
                if group != Self.group { errs.append(.notSupported(sp.child("apiGroup"), group, [Self.group])) }
            default:
                errs.append(.notSupported(sp.child("kind"), kind, ["ServiceAccount", "User", "Group"]))
            }
        }
        return errs
    }

    /// `SetDefaults_ClusterRoleBinding`/`RoleBinding` and `SetDefaults_Subject`.
    static func applyBindingDefaults(_ object: inout JSON) {
        object.defaultIfNil("roleRef", [:])
        object.editObject("roleRef") { $0.defaultIfZero("apiGroup", .string(group)) }
        object.editEach("subjects") { s in
            if Semantic.isZeroValue(s["apiGroup"]) {
                switch s["kind"]?.string {
                case "User", "Group": s["apiGroup"] = .string(group)
                case "ServiceAccount": s["apiGroup"] = ""
                default: break
                }
            }
        }
    }
}

/// Roles and ClusterRoles: `ValidateRole` / `ValidateClusterRole` (rule shape; aggregation rules kept).
public struct RoleStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs = RBACValidation.validateRules(object["rules"], FieldPath("rules"), isNamespaced: info.namespaced)
        if let agg = object["aggregationRule"], !agg.isNull {
            let selectors = agg["clusterRoleSelectors"]?.array ?? []
            if selectors.isEmpty { errs.append(.required(FieldPath("aggregationRule", "clusterRoleSelectors"))) }
            for (i, s) in selectors.enumerated() { errs += validateLabelSelector(s, FieldPath("aggregationRule", "clusterRoleSelectors").index(i)) }
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// RoleBindings and ClusterRoleBindings: defaults, `ValidateRoleBinding` and the immutable roleRef.
public struct RoleBindingStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) { RBACValidation.applyBindingDefaults(&object) }

    public func validate(_ object: JSON) -> [FieldError] {
        RBACValidation.validateRoleRef(object["roleRef"], FieldPath("roleRef"), clusterOnly: !info.namespaced)
            + RBACValidation.validateSubjects(object["subjects"], FieldPath("subjects"), isNamespaced: info.namespaced)
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if !Semantic.equal(object["roleRef"], old["roleRef"]) {
            let r = object["roleRef"] ?? [:]
            let raw = "rbac.RoleRef{APIGroup:\(GoSyntax.quote(r["apiGroup"]?.string ?? "")), Kind:\(GoSyntax.quote(r["kind"]?.string ?? "")), Name:\(GoSyntax.quote(r["name"]?.string ?? ""))}"
            errs.append(.invalid(FieldPath("roleRef"), raw: raw, "cannot change roleRef"))
        }
        return errs
    }
}

// MARK: policy, scheduling, autoscaling

/// PodDisruptionBudgets (policy/v1): `ValidatePodDisruptionBudget` (minAvailable xor maxUnavailable).
public struct PodDisruptionBudgetStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0] }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs: [FieldError] = []
        if spec.has("minAvailable") && spec.has("maxUnavailable") {
            errs.append(.invalid(path, raw: "", "minAvailable and maxUnavailable cannot be both set"))
        }
        for f in ["minAvailable", "maxUnavailable"] where spec.has(f) {
            errs += WorkloadValidation.validateIntOrPercent(spec[f], path.child(f))
            if let p = WorkloadValidation.percentValue(spec[f]), p > 100 {
                errs.append(.invalid(path.child(f), raw: GoSyntax.intOrStringValue(spec[f]), "must not be greater than 100%"))
            }
        }
        if let sel = spec["selector"], !sel.isNull { errs += validateLabelSelector(sel, path.child("selector")) }
        if let p = spec["unhealthyPodEvictionPolicy"]?.string, p != "IfHealthyBudget", p != "AlwaysAllow" {
            errs.append(.notSupported(path.child("unhealthyPodEvictionPolicy"), p, ["AlwaysAllow", "IfHealthyBudget"]))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// PriorityClasses (scheduling.k8s.io/v1): `SetDefaults_PriorityClass`, `ValidatePriorityClass` (the
/// `system-` prefix is reserved, user values at most one billion) and the immutable value.
public struct PriorityClassStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let system: [String: Int64] = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]
    static let highestUserDefinable: Int64 = 1_000_000_000

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("preemptionPolicy", "PreemptLowerPriority")
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        let value = object["value"]?.int ?? 0
        if let systemValue = Self.system[name] {
            if value != systemValue {
                errs.append(.forbidden(FieldPath("metadata", "name"), "\(name) is a system critical priority class and must have value \(systemValue)"))
            }
        } else if name.hasPrefix("system-") {
            errs.append(.forbidden(FieldPath("metadata", "name"), "priority class names with 'system-' prefix are reserved for system use only. error: \(name) is not a known system priority class"))
        } else if value > Self.highestUserDefinable {
            errs.append(.forbidden(FieldPath("value"), "maximum allowed value of a user defined priority is \(Self.highestUserDefinable)"))
        }
        if let p = object["preemptionPolicy"]?.string, p != "PreemptLowerPriority", p != "Never" {
            errs.append(.notSupported(FieldPath("preemptionPolicy"), p, ["Never", "PreemptLowerPriority"]))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        if object["value"]?.int != old["value"]?.int {
            errs.append(.forbidden(FieldPath("value"), "may not be changed in an update."))
        }
        if object["preemptionPolicy"] != old["preemptionPolicy"] {
            errs.append(.invalid(FieldPath("preemptionPolicy"), object["preemptionPolicy"]?.string ?? "", Msg.immutable))
        }
        return errs
    }
}

/// HorizontalPodAutoscalers (autoscaling/v2, and v1 before conversion): `SetDefaults_HorizontalPodAutoscaler`
/// and `ValidateHorizontalPodAutoscaler`'s bounds.
public struct HorizontalPodAutoscalerStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { ["desiredReplicas": 0] }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfNil("minReplicas", 1)
        if object["apiVersion"]?.string != "autoscaling/v1" {
            if (spec["metrics"]?.array ?? []).isEmpty {
                spec["metrics"] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]]
            }
            spec.editObject("behavior") { b in
                b.defaultIfNil("scaleUp", [:])
                b.editObject("scaleUp") { up in
                    up.defaultIfNil("stabilizationWindowSeconds", 0)
                    up.defaultIfNil("selectPolicy", "Max")
                    if (up["policies"]?.array ?? []).isEmpty {
                        up["policies"] = [["type": "Pods", "value": 4, "periodSeconds": 15], ["type": "Percent", "value": 100, "periodSeconds": 15]]
                    }
                }
                b.defaultIfNil("scaleDown", [:])
                b.editObject("scaleDown") { down in
                    down.defaultIfNil("selectPolicy", "Max")
                    if (down["policies"]?.array ?? []).isEmpty {
                        down["policies"] = [["type": "Percent", "value": 100, "periodSeconds": 15]]
                    }
                }
            }
        }
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        var errs: [FieldError] = []
        let ref = spec["scaleTargetRef"] ?? [:]
        if (ref["kind"]?.string ?? "").isEmpty { errs.append(.required(path.child("scaleTargetRef", "kind"))) }
        if (ref["name"]?.string ?? "").isEmpty { errs.append(.required(path.child("scaleTargetRef", "name"))) }
        let minR = spec["minReplicas"]?.int ?? 1, maxR = spec["maxReplicas"]?.int ?? 0
        if minR < 1 { errs.append(.invalid(path.child("minReplicas"), int: minR, "must be greater than or equal to 1")) }
        if maxR < 1 { errs.append(.invalid(path.child("maxReplicas"), int: maxR, "must be greater than 0")) }
        if maxR < minR { errs.append(.invalid(path.child("maxReplicas"), int: maxR, "must be greater than or equal to `minReplicas`")) }
        if let t = spec["targetCPUUtilizationPercentage"]?.int, t < 1 {
            errs.append(.invalid(path.child("targetCPUUtilizationPercentage"), int: t, "must be greater than 0"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

// MARK: core

/// LimitRanges: `SetDefaults_LimitRangeItem` (a Container item's default limit from max, default request
/// from the default limit or min) and `ValidateLimitRange` (`LimitRangeValidation`).
public struct LimitRangeStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.editObject("spec") { spec in
            spec.editEach("limits") { item in
                for key in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
                    item.editObject(key) { PodSpecDefaults.roundResourceList(&$0) }
                }
                guard item["type"]?.string == "Container" else { return }
                var def = item["default"]?.object ?? [:], req = item["defaultRequest"]?.object ?? [:]
                for (k, v) in item["max"]?.object ?? [:] where def[k] == nil { def[k] = v }
                for (k, v) in def where req[k] == nil { req[k] = v }
                for (k, v) in item["min"]?.object ?? [:] where req[k] == nil { req[k] = v }
                if !def.isEmpty { item["default"] = .object(def) }
                if !req.isEmpty { item["defaultRequest"] = .object(req) }
            }
        }
    }

    public func validate(_ object: JSON) -> [FieldError] { LimitRangeValidation.validate(object) }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// RuntimeClasses (node.k8s.io/v1): the handler is a DNS label and immutable.
public struct RuntimeClassStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        let handler = object["handler"]?.string ?? ""
        if handler.isEmpty { return [.required(FieldPath("handler"))] }
        return isDNS1123Label(handler).map { .invalid(FieldPath("handler"), handler, $0) }
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if object["handler"] != old["handler"] { errs.append(.invalid(FieldPath("handler"), object["handler"]?.string ?? "", Msg.immutable)) }
        return errs
    }
}

/// CustomResourceDefinitions: the object itself (the API server's CRD controller serves its custom
/// resources): upstream's CRD validation; status starts with the stored version.
public struct CustomResourceDefinitionStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
    public var initialStatus: JSON { [:] }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { s in
            s.defaultIfNil("conversion", ["strategy": "None"])
            s.editObject("names") { n in
                if Semantic.isZeroValue(n["singular"]), let k = n["kind"]?.string { n["singular"] = .string(k.lowercased()) }
                if Semantic.isZeroValue(n["listKind"]), let k = n["kind"]?.string { n["listKind"] = .string(k + "List") }
            }
        }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object[path: ["metadata", "generation"]] = 1
        let storage = (object["spec"]?["versions"]?.array ?? []).first { $0["storage"]?.bool == true }?["name"]?.string
        object["status"] = ["acceptedNames": ["kind": "", "plural": ""], "storedVersions": .array(storage.map { [.string($0)] } ?? [])]
    }

    public func validate(_ object: JSON) -> [FieldError] {
        CustomResourceDefinitionValidation.validate(object)
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        if object["spec"]?["group"] != old["spec"]?["group"] {
            errs.append(.invalid(FieldPath("spec", "group"), object["spec"]?["group"]?.string ?? "", Msg.immutable))
        }
        return errs
    }
}
