import APIMachinery

/// One rule of a Role or ClusterRole (`rbac.authorization.k8s.io/v1 PolicyRule`), with upstream's
/// matching (`rbac/v1 helpers`): `*` matches every verb, group, resource or URL; `*/sub` matches that
/// subresource of every resource; a URL ending in `*` matches by prefix; empty resourceNames match any name.
public struct PolicyRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]

    public init(verbs: [String], apiGroups: [String] = [], resources: [String] = [], resourceNames: [String] = [], nonResourceURLs: [String] = []) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }

    public init(json: JSON) {
        func list(_ k: String) -> [String] { json[k]?.array?.compactMap(\.string) ?? [] }
        self.init(verbs: list("verbs"), apiGroups: list("apiGroups"), resources: list("resources"),
                  resourceNames: list("resourceNames"), nonResourceURLs: list("nonResourceURLs"))
    }

    /// The rules of a Role or ClusterRole object (`rules`, null or absent is none).
    public static func rules(of role: JSON) -> [PolicyRule] {
        (role["rules"]?.array ?? []).map(PolicyRule.init(json:))
    }

    /// As upstream serialises a rule: fields in declaration order, empty lists left out (verbs always there).
    public var json: JSON {
        var o: JSON = ["verbs": .array(verbs.map(JSON.string))]
        if !apiGroups.isEmpty { o["apiGroups"] = .array(apiGroups.map(JSON.string)) }
        if !resources.isEmpty { o["resources"] = .array(resources.map(JSON.string)) }
        if !resourceNames.isEmpty { o["resourceNames"] = .array(resourceNames.map(JSON.string)) }
        if !nonResourceURLs.isEmpty { o["nonResourceURLs"] = .array(nonResourceURLs.map(JSON.string)) }
        return o
    }

    // MARK: Matching (upstream's RuleAllows)

    public func allows(_ a: AuthorizationAttributes) -> Bool {
        guard matchesVerb(a.verb) else { return false }
        if a.isResourceRequest {
            let combined = a.subresource.isEmpty ? a.resource : a.resource + "/" + a.subresource
            return matchesGroup(a.apiGroup) && matchesResource(combined, subresource: a.subresource) && matchesName(a.name)
        }
        return matchesURL(a.path)
    }

    public func matchesVerb(_ verb: String) -> Bool { verbs.contains("*") || verbs.contains(verb) }

    public func matchesGroup(_ group: String) -> Bool { apiGroups.contains("*") || apiGroups.contains(group) }

    /// `combined` is "pods" or "pods/log"; a rule's "*/log" matches the latter.
    public func matchesResource(_ combined: String, subresource: String) -> Bool {
        for r in resources {
            if r == "*" || r == combined { return true }
            if !subresource.isEmpty, r == "*/" + subresource { return true }
        }
        return false
    }

    public func matchesName(_ name: String) -> Bool { resourceNames.isEmpty || resourceNames.contains(name) }

    public func matchesURL(_ path: String) -> Bool {
        for u in nonResourceURLs {
            if u == "*" || u == path { return true }
            if u.hasSuffix("*"), path.hasPrefix(String(u.dropLast())) { return true }
        }
        return false
    }

    /// Upstream's `CompactString` form, used in escalation messages:
    /// `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`.
    public var compactString: String {
        var parts: [String] = []
        func q(_ l: [String]) -> String { "[" + l.map { "\"\($0)\"" }.joined(separator: " ") + "]" }
        if !apiGroups.isEmpty { parts.append("APIGroups:" + q(apiGroups)) }
        if !resources.isEmpty { parts.append("Resources:" + q(resources)) }
        if !nonResourceURLs.isEmpty { parts.append("NonResourceURLs:" + q(nonResourceURLs)) }
        if !resourceNames.isEmpty { parts.append("ResourceNames:" + q(resourceNames)) }
        parts.append("Verbs:" + q(verbs))
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
