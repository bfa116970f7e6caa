/// What an aggregated ClusterRole's rules are: the rules of every other ClusterRole one of its
/// `aggregationRule.clusterRoleSelectors` matches, in name order, each rule once (upstream's
/// clusterrole-aggregation controller). Shared by that controller and the API server, which aggregates
/// the bootstrap roles once at start so `admin`, `edit` and `view` work before the controller runs.
public enum ClusterRoleAggregation {
    /// The selectors of a role's aggregation rule; nil for a role without one.
    public static func selectors(of role: JSON) -> [LabelSelector]? {
        guard let list = role[path: ["aggregationRule", "clusterRoleSelectors"]]?.array else { return nil }
        return list.compactMap { try? LabelSelector(labelSelector: $0) }
    }

    /// The rules `role` should have given every ClusterRole in `all`; nil when it aggregates nothing.
    public static func rules(of role: JSON, from all: [JSON]) -> [JSON]? {
        guard let selectors = selectors(of: role) else { return nil }
        let name = Self.name(role)
        var rules: [JSON] = []
        for other in all.sorted(by: { Self.name($0) < Self.name($1) }) where Self.name(other) != name {
            let labels = other[path: ["metadata", "labels"]]?.stringMap ?? [:]
            guard selectors.contains(where: { $0.matches(labels) }) else { continue }
            for rule in other["rules"]?.array ?? [] where !rules.contains(where: { Semantic.equal($0, rule) }) {
                rules.append(rule)
            }
        }
        return rules
    }

    static func name(_ o: JSON) -> String { o[path: ["metadata", "name"]]?.string ?? "" }

    /// Whether `role` already has exactly `rules`.
    public static func hasRules(_ role: JSON, _ rules: [JSON]) -> Bool {
        let current = role["rules"]?.array ?? []
        return current.count == rules.count && zip(current, rules).allSatisfy { Semantic.equal($0, $1) }
    }
}
