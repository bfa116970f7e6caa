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
