import APIMachinery
import Foundation

/// Node taints and pod tolerations (upstream's `v1.Taint` / `v1.Toleration` helpers).
enum Taints {
    static let unreachable = "node.kubernetes.io/unreachable"
    static let notReady = "node.kubernetes.io/not-ready"
    static let unschedulable = "node.kubernetes.io/unschedulable"

    static func list(_ node: JSON) -> [JSON] { node[path: ["spec", "taints"]]?.array ?? [] }

    static func noExecute(_ node: JSON) -> [JSON] { list(node).filter { $0["effect"]?.string == "NoExecute" } }

    /// Upstream's `Toleration.ToleratesTaint`.
    static func tolerates(_ toleration: JSON, _ taint: JSON) -> Bool {
        let effect = toleration["effect"]?.string ?? ""
        if !effect.isEmpty && effect != (taint["effect"]?.string ?? "") { return false }
        let key = toleration["key"]?.string ?? ""
        if !key.isEmpty && key != (taint["key"]?.string ?? "") { return false }
        switch toleration["operator"]?.string ?? "" {
        case "", "Equal": return (toleration["value"]?.string ?? "") == (taint["value"]?.string ?? "")
        case "Exists": return true
        default: return false
        }
    }

    /// For each taint the first toleration that tolerates it, or nil when some taint is not tolerated
    /// (upstream's `GetMatchingTolerations`).
    static func matchingTolerations(_ taints: [JSON], _ tolerations: [JSON]) -> [(taint: JSON, toleration: JSON)]? {
        var out: [(JSON, JSON)] = []
        for taint in taints {
            guard let t = tolerations.first(where: { tolerates($0, taint) }) else { return nil }
            out.append((taint, t))
        }
        return out
    }

    static func same(_ a: JSON, _ b: JSON) -> Bool {
        a["key"] == b["key"] && a["effect"] == b["effect"]
    }
}
