/// Whether one set of rules grants everything another does: upstream's `validation.Covers`, the heart of
/// the escalation check (a user may only grant permissions they hold). The requested rules are broken into
/// atoms (one verb, group, resource and name, or one verb and URL) and each must be covered by some owner
/// rule.
public enum RuleCoverage {
    /// The atoms of `requested` no rule of `owner` covers (empty: covered).
    public static func uncovered(owner: [PolicyRule], requested: [PolicyRule]) -> [PolicyRule] {
        var missing: [PolicyRule] = []
        for atom in requested.flatMap(atoms) where !owner.contains(where: { covers($0, atom) }) {
            missing.append(atom)
        }
        return missing
    }

    /// Splits a rule into rules of one verb, group, resource and name (or one verb and URL).
    static func atoms(_ rule: PolicyRule) -> [PolicyRule] {
        var out: [PolicyRule] = []
        for verb in rule.verbs {
            for group in rule.apiGroups {
                for resource in rule.resources {
                    if rule.resourceNames.isEmpty {
                        out.append(PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource]))
                    } else {
                        for name in rule.resourceNames {
                            out.append(PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name]))
                        }
                    }
                }
            }
            for url in rule.nonResourceURLs {
                out.append(PolicyRule(verbs: [verb], nonResourceURLs: [url]))
            }
        }
        return out
    }

    /// `ruleCovers`: every verb, group, resource, URL and name of `requested` is within `owner`.
    static func covers(_ owner: PolicyRule, _ requested: PolicyRule) -> Bool {
        func hasAll(_ set: [String], _ items: [String]) -> Bool {
            set.contains("*") || items.allSatisfy(set.contains)
        }
        guard hasAll(owner.verbs, requested.verbs), hasAll(owner.apiGroups, requested.apiGroups) else { return false }
        guard resourcesCover(owner.resources, requested.resources) else { return false }
        guard urlsCover(owner.nonResourceURLs, requested.nonResourceURLs) else { return false }
        // An owner limited to names covers only requests limited to some of those names.
        if owner.resourceNames.isEmpty { return true }
        return !requested.resourceNames.isEmpty && requested.resourceNames.allSatisfy(owner.resourceNames.contains)
    }

    static func resourcesCover(_ set: [String], _ requested: [String]) -> Bool {
        if set.contains("*") { return true }
        for r in requested where !set.contains(r) {
            guard let slash = r.firstIndex(of: "/") else { return false }
            if !set.contains("*/" + r[r.index(after: slash)...]) { return false }
        }
        return true
    }

    static func urlsCover(_ set: [String], _ requested: [String]) -> Bool {
        requested.allSatisfy { url in
            set.contains { owned in
                owned == "*" || owned == url || (owned.hasSuffix("*") && url.hasPrefix(String(owned.dropLast())))
            }
        }
    }
}
