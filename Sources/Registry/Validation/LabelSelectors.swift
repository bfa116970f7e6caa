import APIMachinery

/// Upstream's `ValidateLabelSelector` (meta/v1): matchLabels are valid labels; each expression has a
/// known operator, values only where the operator takes them, a qualified-name key and valid values.
func validateLabelSelector(_ selector: JSON?, _ path: FieldPath, allowInvalidValues: Bool = false) -> [FieldError] {
    guard let sel = selector, sel.isObject else { return [] }
    var errs = validateLabels(sel["matchLabels"], path.child("matchLabels"))
    for (i, expr) in (sel["matchExpressions"]?.array ?? []).enumerated() {
        let p = path.child("matchExpressions").index(i)
        let op = expr["operator"]?.string ?? ""
        let values = stringList(expr["values"])
        switch op {
        case "In", "NotIn":
            if values.isEmpty { errs.append(.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")) }
        case "Exists", "DoesNotExist":
            if !values.isEmpty { errs.append(.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
        default:
            errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
        }
        errs += validateLabelName(expr["key"]?.string ?? "", p.child("key"))
        if !allowInvalidValues {
            for (j, v) in values.enumerated() {
                errs += isValidLabelValue(v).map { .invalid(p.child("values").index(j), v, $0) }
            }
        }
    }
    return errs
}

/// A `metav1.LabelSelector` converted to something that matches label sets, as
/// `LabelSelectorAsSelector` converts it. A nil selector matches nothing; an empty one everything.
struct LabelSelectorMatcher {
    enum Kind { case nothing, everything, requirements }
    let kind: Kind
    private let requirements: [(key: String, op: String, values: Set<String>)]

    /// Whether the selector selects everything (upstream's `Selector.Empty()`).
    var isEmpty: Bool { kind == .everything }

    /// nil when the selector is malformed (upstream returns an error and callers report
    /// "invalid label selector").
    init?(_ selector: JSON?) {
        guard let sel = selector, sel.isObject else {
            kind = .nothing
            requirements = []
            return
        }
        var reqs: [(String, String, Set<String>)] = []
        for (k, v) in sel["matchLabels"]?.object ?? [:] {
            guard isQualifiedName(k).isEmpty, let s = v.string, isValidLabelValue(s).isEmpty else { return nil }
            reqs.append((k, "In", [s]))
        }
        for expr in sel["matchExpressions"]?.array ?? [] {
            let key = expr["key"]?.string ?? ""
            let op = expr["operator"]?.string ?? ""
            let values = stringList(expr["values"])
            guard isQualifiedName(key).isEmpty, values.allSatisfy({ isValidLabelValue($0).isEmpty }) else { return nil }
            switch op {
            case "In", "NotIn": guard !values.isEmpty else { return nil }
            case "Exists", "DoesNotExist": guard values.isEmpty else { return nil }
            default: return nil
            }
            reqs.append((key, op, Set(values)))
        }
        requirements = reqs
        kind = reqs.isEmpty ? .everything : .requirements
    }

    func matches(_ labels: [String: String]) -> Bool {
        switch kind {
        case .nothing: return false
        case .everything: return true
        case .requirements:
            return requirements.allSatisfy { r in
                switch r.op {
                case "In": return labels[r.key].map(r.values.contains) ?? false
                case "NotIn": return labels[r.key].map { !r.values.contains($0) } ?? true
                case "Exists": return labels[r.key] != nil
                default: return labels[r.key] == nil
                }
            }
        }
    }
}
