import APIMachinery

/// Pods: upstream's `podStrategy`, the defaulting of `SetObjectDefaults_Pod`, and the two admission
/// plugins every API server runs that mutate pods visibly (DefaultTolerationSeconds adds the
/// not-ready/unreachable tolerations; Priority sets `priority`/`preemptionPolicy`).
///
/// Expected call order, as upstream's: `applyDefaults` on the decoded body, then `prepareForCreate` /
/// `prepareForUpdate` (where the admission effects live, since admission runs only on writes), then
/// validation.
public struct PodStrategy: ResourceStrategy, StatusValidatingStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    /// Built-in priority classes upstream creates at startup; other names need a PriorityClass object.
    static let systemPriorityClasses: [String: Int64] = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]

    public func applyDefaults(_ object: inout JSON) {
        // PodSpec is a struct upstream: an absent spec is defaulted like an empty one.
        object.defaultIfNil("spec", [:])
        object.editObject("spec") { spec in
            PodSpecDefaults.applyPodOnlyDefaults(&spec)
            PodSpecDefaults.applySpecDefaults(&spec)
        }
        object.editObject("status") { PodSpecDefaults.applyStatusConversions(&$0) }
    }

    public func prepareForCreate(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        Self.addDefaultTolerations(&spec)
        if Semantic.isZeroValue(spec["priorityClassName"]) {
            spec.defaultIfNil("priority", 0)
        } else if let value = Self.systemPriorityClasses[spec["priorityClassName"]?.string ?? ""] {
            spec.defaultIfNil("priority", .int(value))
        }
        if spec.has("priority") { spec.defaultIfNil("preemptionPolicy", "PreemptLowerPriority") }
        object["spec"] = spec
        var status: JSON = ["phase": "Pending", "qosClass": .string(Self.qosClass(spec))]
        if !(spec["schedulingGates"]?.array ?? []).isEmpty {
            status["conditions"] = [[
                "type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
                "message": "Scheduling is blocked due to non-empty scheduling gates", "lastProbeTime": nil,
                "lastTransitionTime": nil,
            ]]
        }
        object["status"] = status
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
        var spec = object["spec"] ?? [:]
        Self.addDefaultTolerations(&spec)
        // Priority admission keeps the values it set at creation when an update omits them.
        if !spec.has("priority"), let p = old["spec"]?["priority"] { spec["priority"] = p }
        if !spec.has("preemptionPolicy"), let p = old["spec"]?["preemptionPolicy"] { spec["preemptionPolicy"] = p }
        object["spec"] = spec
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        // The status endpoint may not touch owner references or the deletion timestamp.
        merged[path: ["metadata", "ownerReferences"]] = old["metadata"]?["ownerReferences"]
        merged[path: ["metadata", "deletionTimestamp"]] = old["metadata"]?["deletionTimestamp"]
        var status = object["status"] ?? [:]
        // qosClass is immutable; old kubelets dropped it, so it is backfilled.
        if Semantic.isZeroValue(status["qosClass"]) { status["qosClass"] = old["status"]?["qosClass"] }
        merged["status"] = status
        object = merged
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs = Self.validatePodSpecificAnnotations(object)
        let spec = object["spec"] ?? [:]
        errs += PodSpecValidation(isPod: true).validate(spec, FieldPath("spec"))
        errs += Self.validatePodOnly(spec)
        if !(spec["ephemeralContainers"]?.array ?? []).isEmpty {
            errs.append(.forbidden(FieldPath("spec", "ephemeralContainers"), "cannot be set on create"))
        }
        if !Semantic.isZeroValue(spec["nodeName"]) && !(spec["schedulingGates"]?.array ?? []).isEmpty {
            errs.append(.forbidden(FieldPath("spec", "nodeName"), "cannot be set until all schedulingGates have been cleared"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = Self.validatePodSpecificAnnotations(object)
        let spec = object["spec"] ?? [:]
        errs += PodSpecValidation(isPod: true).validate(spec, FieldPath("spec"))
        errs += Self.validatePodOnly(spec)
        errs += Self.validateAnnotationUpdates(object, old)
        errs += PodUpdateRules.validate(newSpec: spec, oldSpec: old["spec"] ?? [:])
        return errs
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        PodUpdateRules.validateStatus(object, old: old)
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        let spec = object["spec"], status = object["status"]
        f["spec.nodeName"] = spec?["nodeName"]?.string ?? ""
        f["spec.restartPolicy"] = spec?["restartPolicy"]?.string ?? ""
        f["spec.schedulerName"] = spec?["schedulerName"]?.string ?? ""
        f["spec.serviceAccountName"] = spec?["serviceAccountName"]?.string ?? ""
        f["spec.hostNetwork"] = spec?["hostNetwork"]?.bool == true ? "true" : "false"
        f["status.phase"] = status?["phase"]?.string ?? ""
        f["status.podIP"] = status?["podIPs"]?.array?.first?["ip"]?.string ?? status?["podIP"]?.string ?? ""
        f["status.nominatedNodeName"] = status?["nominatedNodeName"]?.string ?? ""
        return f
    }

    // MARK: admission effects

    /// DefaultTolerationSeconds: tolerate `node.kubernetes.io/not-ready` and `.../unreachable`
    /// NoExecute taints for 300s unless the pod already tolerates them.
    static func addDefaultTolerations(_ spec: inout JSON) {
        var tolerations = spec["tolerations"]?.array ?? []
        func tolerates(_ key: String) -> Bool {
            tolerations.contains { t in
                let k = t["key"]?.string ?? "", e = t["effect"]?.string ?? ""
                return (k == key || k.isEmpty) && (e == "NoExecute" || e.isEmpty)
            }
        }
        let notReady = tolerates("node.kubernetes.io/not-ready"), unreachable = tolerates("node.kubernetes.io/unreachable")
        if notReady && unreachable { return }
        if !notReady {
            tolerations.append(["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
        }
        if !unreachable {
            tolerations.append(["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
        }
        spec["tolerations"] = .array(tolerations)
    }

    /// Upstream's `ComputePodQOS`: BestEffort with no cpu/memory requests or limits, Guaranteed when
    /// every container limits both and requests equal limits, Burstable otherwise.
    static func qosClass(_ spec: JSON) -> String {
        var requests: [String: Quantity] = [:], limits: [String: Quantity] = [:]
        var guaranteed = true
        for c in (spec["containers"]?.array ?? []) + (spec["initContainers"]?.array ?? []) {
            for (name, v) in c["resources"]?["requests"]?.object ?? [:] where name == "cpu" || name == "memory" {
                if let q = try? Quantity(json: v), q > .zero { requests[name, default: .zero] = requests[name, default: .zero] + q }
            }
            var found = Set<String>()
            for (name, v) in c["resources"]?["limits"]?.object ?? [:] where name == "cpu" || name == "memory" {
                if let q = try? Quantity(json: v), q > .zero {
                    found.insert(name)
                    limits[name, default: .zero] = limits[name, default: .zero] + q
                }
            }
            if !found.isSuperset(of: ["cpu", "memory"]) { guaranteed = false }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if guaranteed {
            for (name, req) in requests where limits[name] != req {
                guaranteed = false
                break
            }
        }
        return guaranteed && requests.count == limits.count ? "Guaranteed" : "Burstable"
    }

    // MARK: pod-only validation

    /// `validatePodMetadataAndSpec`'s checks beyond the pod spec.
    static func validatePodOnly(_ spec: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        if Semantic.isZeroValue(spec["serviceAccountName"]) {
            for (vi, v) in (spec["volumes"]?.array ?? []).enumerated() {
                for (si, s) in (v["projected"]?["sources"]?.array ?? []).enumerated() where s.has("serviceAccountToken") {
                    errs.append(.forbidden(FieldPath("spec", "volumes").index(vi).child("projected", "sources").index(si).child("serviceAccountToken"),
                                           "must not be specified when serviceAccountName is not set"))
                }
            }
        }
        let v = PodSpecValidation(isPod: true)
        for key in ["containers", "initContainers"] {
            for (i, c) in (spec[key]?.array ?? []).enumerated() { errs += v.validateImageWhitespace(c, FieldPath("spec", key).index(i)) }
        }
        return errs
    }

    /// `ValidatePodSpecificAnnotations`: the mirror-pod annotation needs a node, the deletion cost is
    /// an int32.
    static func validatePodSpecificAnnotations(_ pod: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let path = FieldPath("metadata", "annotations")
        let annotations = pod["metadata"]?["annotations"]?.object ?? [:]
        if let mirror = annotations["kubernetes.io/config.mirror"]?.string, Semantic.isZeroValue(pod["spec"]?["nodeName"]) {
            errs.append(.invalid(path.key("kubernetes.io/config.mirror"), mirror, "must set spec.nodeName if mirror pod annotation is set"))
        }
        if let cost = annotations["controller.kubernetes.io/pod-deletion-cost"]?.string, Int32(cost) == nil {
            errs.append(.invalid(path.key("controller.kubernetes.io/pod-deletion-cost"), cost, "must be a 32bit integer"))
        }
        return errs
    }

    /// `ValidatePodSpecificAnnotationUpdates`: the mirror-pod annotation can be neither added,
    /// changed nor removed.
    static func validateAnnotationUpdates(_ new: JSON, _ old: JSON) -> [FieldError] {
        let key = "kubernetes.io/config.mirror"
        let path = FieldPath("metadata", "annotations").key(key)
        let n = new["metadata"]?["annotations"]?[key]?.string, o = old["metadata"]?["annotations"]?[key]?.string
        switch (o, n) {
        case (nil, nil): return []
        case (_?, nil): return [.forbidden(path, "may not remove or update mirror pod annotation")]
        case (nil, _?): return [.forbidden(path, "may not add mirror pod annotation")]
        case let (x?, y?): return x == y ? [] : [.forbidden(path, "may not remove or update mirror pod annotation")]
        }
    }
}
