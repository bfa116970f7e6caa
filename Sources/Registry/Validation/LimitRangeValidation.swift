import APIMachinery
import Foundation

/// Upstream's `ValidateLimitRange`: per item, the type (standard or qualified, once), no defaults on a
/// `Pod` item, a storage bound on a `PersistentVolumeClaim` item, and for each resource the orderings an
/// item must keep (min ≤ default request ≤ default ≤ max, 1 ≤ ratio ≤ max/min, and default = default
/// request for what cannot be overcommitted) — else the LimitRanger would enforce a range nothing fits.
/// Upstream walks the resources of an item in Go's random map order; here they go by name.
enum LimitRangeValidation {
    static func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var types: Set<String> = []
        for (i, item) in (object["spec"]?["limits"]?.array ?? []).enumerated() {
            let path = FieldPath("spec", "limits").index(i)
            let t = item["type"]?.string ?? ""
            if !["Pod", "Container", "PersistentVolumeClaim"].contains(t) && !t.contains("/") {
                errs.append(.notSupported(path.child("type"), t, ["Container", "PersistentVolumeClaim", "Pod"]))
            }
            if !types.insert(t).inserted { errs.append(.duplicate(path.child("type"), t)) }
            let list = { (key: String) in item[key]?.object ?? [:] }
            var defaults: [String: JSON] = [:], defaultRequests: [String: JSON] = [:]
            if t == "Pod" {
                if !list("default").isEmpty { errs.append(.forbidden(path.child("default"), "may not be specified when `type` is 'Pod'")) }
                if !list("defaultRequest").isEmpty { errs.append(.forbidden(path.child("defaultRequest"), "may not be specified when `type` is 'Pod'")) }
            } else {
                defaults = list("default")
                defaultRequests = list("defaultRequest")
            }
            if t == "PersistentVolumeClaim", list("min")["storage"] == nil, list("max")["storage"] == nil {
                errs.append(.required(path.child("limits"), "either minimum or maximum storage value is required, but neither was provided"))
            }
            let keys = Set(list("min").keys).union(list("max").keys).union(defaults.keys).union(defaultRequests.keys).union(list("maxLimitRequestRatio").keys)
            for k in keys.sorted() {
                errs += orderings(k, path: path, min: list("min")[k], max: list("max")[k], def: defaults[k], req: defaultRequests[k],
                                  ratio: list("maxLimitRequestRatio")[k])
            }
        }
        return errs
    }

    /// One resource's orderings, in upstream's order of checks.
    private static func orderings(_ k: String, path: FieldPath, min: JSON?, max: JSON?, def: JSON?, req: JSON?, ratio: JSON?) -> [FieldError] {
        func parse(_ v: JSON?) -> Quantity? { v.flatMap { try? Quantity(json: $0) } }
        let mn = parse(min), mx = parse(max), df = parse(def), dr = parse(req), rt = parse(ratio)
        func invalid(_ field: String, _ q: Quantity, _ detail: String) -> FieldError {
            .invalid(path.child(field).key(k), raw: GoSyntax.quantity(q.description), detail)
        }
        var errs: [FieldError] = []
        if let mn, let mx, mn > mx { errs.append(invalid("min", mn, "min value \(mn) is greater than max value \(mx)")) }
        if let dr, let mn, mn > dr { errs.append(invalid("defaultRequest", dr, "min value \(mn) is greater than default request value \(dr)")) }
        if let dr, let mx, dr > mx { errs.append(invalid("defaultRequest", dr, "default request value \(dr) is greater than max value \(mx)")) }
        if let dr, let df, dr > df { errs.append(invalid("defaultRequest", dr, "default request value \(dr) is greater than default limit value \(df)")) }
        if let df, let mn, mn > df { errs.append(invalid("default", mn, "min value \(mn) is greater than default value \(df)")) }
        if let df, let mx, df > mx { errs.append(invalid("default", mx, "default value \(df) is greater than max value \(mx)")) }
        if let rt, rt < Quantity(1) { errs.append(invalid("maxLimitRequestRatio", rt, "ratio \(rt) is less than 1")) }
        if let rt, let mn, let mx {
            // Milli-units when all three allow it, as upstream compares them.
            let maxMilli = Int64.max / 1000
            let precise = rt.value < maxMilli && mn.value < maxMilli && mx.value < maxMilli
            let allowed = precise ? Double(rt.milliValue) / 1000 : Double(rt.value)
            let limit = precise ? Double(mx.milliValue) / Double(mn.milliValue) : Double(mx.value) / Double(mn.value)
            if allowed > limit {
                errs.append(invalid("maxLimitRequestRatio", rt, "ratio \(rt) is greater than max/min = \(String(format: "%f", limit))"))
            }
        }
        if !overcommitAllowed(k), let df, let dr, df != dr {
            errs.append(invalid("defaultRequest", dr, "default value \(df) must equal to defaultRequest value \(dr) in \(k)"))
        }
        return errs
    }

    /// `IsOvercommitAllowed`: native resources (unqualified or `kubernetes.io/`) other than huge pages.
    private static func overcommitAllowed(_ name: String) -> Bool {
        let native = !name.contains("/") || name.contains("kubernetes.io/")
        return native && !name.hasPrefix("hugepages-")
    }
}
