import APIMachinery

/// Scheduling fields of a pod spec: tolerations, affinity, topology spread constraints.
extension PodSpecValidation {
    // MARK: Scheduling

    func validateTolerations(_ tolerations: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in (tolerations?.array ?? []).enumerated() {
            let p = path.index(i)
            let key = t["key"]?.string ?? ""
            let op = t["operator"]?.string ?? ""
            let value = t["value"]?.string ?? ""
            let effect = t["effect"]?.string ?? ""
            if !key.isEmpty { errs += validateLabelName(key, p.child("key")) }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid(p.child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if t["tolerationSeconds"]?.int != nil && effect != "NoExecute" {
                errs.append(.invalid(p.child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let msgs = isValidLabelValue(value)
                if !msgs.isEmpty { errs.append(.invalid(p.child("operator"), value, msgs.joined(separator: ";"))) }
            case "Exists":
                if !value.isEmpty { errs.append(.invalid(p.child("operator"), value, "value must be empty when `operator` is 'Exists'")) }
            default:
                errs.append(.notSupported(p.child("operator"), op, ["Equal", "Exists"]))
            }
            if !effect.isEmpty { errs += validateTaintEffect(effect, p.child("effect")) }
        }
        return errs
    }

    func validateTaintEffect(_ effect: String, _ path: FieldPath) -> [FieldError] {
        ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) ? []
            : [.notSupported(path, effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"])]
    }

    func validateAffinity(_ affinity: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let affinity, affinity.isObject else { return [] }
        var errs: [FieldError] = []
        if let na = affinity["nodeAffinity"], na.isObject {
            let np = path.child("nodeAffinity")
            if let req = na["requiredDuringSchedulingIgnoredDuringExecution"], req.isObject {
                let tp = np.child("requiredDuringSchedulingIgnoredDuringExecution").child("nodeSelectorTerms")
                let terms = req["nodeSelectorTerms"]?.array ?? []
                if terms.isEmpty { errs.append(.required(tp, "must have at least one node selector term")) }
                for (i, term) in terms.enumerated() { errs += validateNodeSelectorTerm(term, tp.index(i), allowInvalidValues: false) }
            }
            for (i, pref) in (na["preferredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                let pp = np.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                let w = pref["weight"]?.int ?? 0
                if w <= 0 || w > 100 { errs.append(.invalid(pp.child("weight"), int: w, "must be in the range 1-100")) }
                errs += validateNodeSelectorTerm(pref["preference"] ?? [:], pp.child("preference"), allowInvalidValues: true)
            }
        }
        for key in ["podAffinity", "podAntiAffinity"] {
            guard let pa = affinity[key], pa.isObject else { continue }
            let ap = path.child(key)
            for (i, term) in (pa["requiredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                errs += validatePodAffinityTerm(term, ap.child("requiredDuringSchedulingIgnoredDuringExecution").index(i))
            }
            for (i, wt) in (pa["preferredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                let wp = ap.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                let w = wt["weight"]?.int ?? 0
                if w <= 0 || w > 100 { errs.append(.invalid(wp.child("weight"), int: w, "must be in the range 1-100")) }
                errs += validatePodAffinityTerm(wt["podAffinityTerm"] ?? [:], wp.child("podAffinityTerm"))
            }
        }
        return errs
    }

    func validateNodeSelectorTerm(_ term: JSON, _ path: FieldPath, allowInvalidValues: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (j, req) in (term["matchExpressions"]?.array ?? []).enumerated() {
            let p = path.child("matchExpressions").index(j)
            let op = req["operator"]?.string ?? ""
            let values = stringList(req["values"])
            switch op {
            case "In", "NotIn":
                if values.isEmpty { errs.append(.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errs.append(.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            case "Gt", "Lt":
                if values.count != 1 { errs.append(.required(p.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")) }
            default:
                errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
            }
            errs += validateLabelName(req["key"]?.string ?? "", p.child("key"))
            if !allowInvalidValues {
                for (k, v) in values.enumerated() { errs += isValidLabelValue(v).map { .invalid(p.child("values").index(k), v, $0) } }
            }
        }
        for (j, req) in (term["matchFields"]?.array ?? []).enumerated() {
            let p = path.child("matchFields").index(j)
            let op = req["operator"]?.string ?? ""
            let values = stringList(req["values"])
            if op == "In" || op == "NotIn" {
                if values.count != 1 { errs.append(.required(p.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector")) }
            } else {
                errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
            }
            let key = req["key"]?.string ?? ""
            if key != "metadata.name" {
                errs.append(.invalid(p.child("key"), key, "not a valid field selector key"))
            } else {
                for (k, v) in values.enumerated() { errs += isDNS1123Subdomain(v).map { .invalid(p.child("values").index(k), v, $0) } }
            }
        }
        return errs
    }

    func validatePodAffinityTerm(_ term: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = validateLabelSelector(term["labelSelector"], path.child("labelSelector"))
        errs += validateLabelSelector(term["namespaceSelector"], path.child("namespaceSelector"))
        for ns in stringList(term["namespaces"]) {
            errs += isDNS1123Label(ns).map { .invalid(path.child("namespace"), ns, $0) }
        }
        let key = term["topologyKey"]?.string ?? ""
        if key.isEmpty { errs.append(.required(path.child("topologyKey"), "can not be empty")) }
        errs += validateLabelName(key, path.child("topologyKey"))
        return errs
    }

    func validateTopologySpreadConstraints(_ constraints: JSON?, _ path: FieldPath) -> [FieldError] {
        let list = constraints?.array ?? []
        var errs: [FieldError] = []
        for (i, c) in list.enumerated() {
            let p = path.index(i)
            let skew = c["maxSkew"]?.int ?? 0
            if skew <= 0 { errs.append(.invalid(p.child("maxSkew"), int: skew, Msg.notPositive)) }
            let key = c["topologyKey"]?.string ?? ""
            if key.isEmpty { errs.append(.required(p.child("topologyKey"), "can not be empty")) }
            let action = c["whenUnsatisfiable"]?.string ?? ""
            if action != "DoNotSchedule" && action != "ScheduleAnyway" {
                errs.append(.notSupported(p.child("whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"]))
            }
            for rest in list.dropFirst(i + 1) where rest["topologyKey"]?.string ?? "" == key && rest["whenUnsatisfiable"]?.string ?? "" == action {
                errs.append(.duplicate(p.child("{topologyKey, whenUnsatisfiable}"), "{\(key), \(action)}"))
                break
            }
            if let md = c["minDomains"]?.int {
                if md <= 0 { errs.append(.invalid(p.child("minDomains"), int: md, Msg.notPositive)) }
                if action != "DoNotSchedule" {
                    errs.append(.invalid(p.child("minDomains"), int: md, "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not \(action)"))
                }
            }
            for field in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
                if let v = c[field]?.string, v != "Ignore" && v != "Honor" {
                    errs.append(.notSupported(p.child(field), v, ["Honor", "Ignore"]))
                }
            }
            errs += validateLabelSelector(c["labelSelector"], p.child("labelSelector"))
        }
        return errs
    }
}
