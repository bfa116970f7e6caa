import APIMachinery
import Foundation

/// The checks of upstream's LimitRanger (`minConstraint`, `maxConstraint`, `maxRequestConstraint`,
/// `limitRequestRatioConstraint`) over one resource of one request/limit pair, each returning upstream's
/// message word for word, or nil when the pair complies. `kind` is the item type (`Container`, `Pod`,
/// `PersistentVolumeClaim`), as upstream prints it.
enum LimitRangeConstraint {
    /// Upstream's `resource.MaxMilliValue`: beyond it milli-units would overflow an `Int64`.
    static let maxMilliValue = Int64.max / 1000

    /// `requestLimitEnforcedValues`: the three values at a common precision, milli-units when none of them
    /// is too large for it (so `100m` and `200m` differ), else whole units.
    static func comparable(_ request: Quantity?, _ limit: Quantity?, _ enforced: Quantity) -> (request: Int64, limit: Int64, enforced: Int64) {
        let r = request ?? .zero, l = limit ?? .zero
        if r.value <= maxMilliValue && l.value <= maxMilliValue && enforced.value <= maxMilliValue {
            return (r.milliValue, l.milliValue, enforced.milliValue)
        }
        return (r.value, l.value, enforced.value)
    }

    static func min(_ kind: String, _ resource: String, _ enforced: Quantity, requests: ResourceList, limits: ResourceList) -> String? {
        let req = requests[resource], lim = limits[resource]
        let v = comparable(req, lim, enforced)
        guard let req else { return "minimum \(resource) usage per \(kind) is \(enforced).  No request is specified" }
        if v.request < v.enforced { return "minimum \(resource) usage per \(kind) is \(enforced), but request is \(req)" }
        if let lim, v.limit < v.enforced { return "minimum \(resource) usage per \(kind) is \(enforced), but limit is \(lim)" }
        return nil
    }

    static func max(_ kind: String, _ resource: String, _ enforced: Quantity, requests: ResourceList, limits: ResourceList) -> String? {
        let req = requests[resource], lim = limits[resource]
        let v = comparable(req, lim, enforced)
        guard let lim else { return "maximum \(resource) usage per \(kind) is \(enforced).  No limit is specified" }
        if v.limit > v.enforced { return "maximum \(resource) usage per \(kind) is \(enforced), but limit is \(lim)" }
        if let req, v.request > v.enforced { return "maximum \(resource) usage per \(kind) is \(enforced), but request is \(req)" }
        return nil
    }

    /// For kinds whose limits mean nothing (claims): the maximum applies to the request alone.
    static func maxRequest(_ kind: String, _ resource: String, _ enforced: Quantity, requests: ResourceList) -> String? {
        let req = requests[resource]
        let v = comparable(req, nil, enforced)
        guard let req else { return "maximum \(resource) usage per \(kind) is \(enforced).  No request is specified" }
        if v.request > v.enforced { return "maximum \(resource) usage per \(kind) is \(enforced), but request is \(req)" }
        return nil
    }

    static func limitRequestRatio(_ kind: String, _ resource: String, _ enforced: Quantity, requests: ResourceList, limits: ResourceList) -> String? {
        let v = comparable(requests[resource], limits[resource], enforced)
        if requests[resource] == nil || v.request == 0 {
            return "\(resource) max limit to request ratio per \(kind) is \(enforced), but no request is specified or request is 0"
        }
        if limits[resource] == nil || v.limit == 0 {
            return "\(resource) max limit to request ratio per \(kind) is \(enforced), but no limit is specified or limit is 0"
        }
        let observed = Double(v.limit) / Double(v.request)
        // Upstream compares in milli-units when the maximum allows it (a ratio of 1.5 is 1500).
        let (scaledObserved, allowed) = enforced.value <= maxMilliValue
            ? (observed * 1000, Double(enforced.milliValue))
            : (observed, Double(enforced.value))
        if scaledObserved > allowed {
            return "\(resource) max limit to request ratio per \(kind) is \(enforced), but provided ratio is \(String(format: "%f", observed))"
        }
        return nil
    }
}
