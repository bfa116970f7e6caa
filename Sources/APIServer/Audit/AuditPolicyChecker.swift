/// What the policy decides for one request: its level, the stages left out, and whether managed fields
/// are dropped from recorded bodies (upstream's `RequestAuditConfig`).
public struct AuditRequestConfig: Sendable, Equatable {
    public var level: AuditLevel
    public var omitStages: Set<AuditStage>
    public var omitManagedFields: Bool

    public init(level: AuditLevel, omitStages: Set<AuditStage> = [], omitManagedFields: Bool = false) {
        self.level = level
        self.omitStages = omitStages
        self.omitManagedFields = omitManagedFields
    }
}

/// Upstream's policy checker: the first rule that matches a request's authorization attributes decides.
///
/// The attributes are those of the authenticated user, before impersonation: the audit filter runs
/// before the impersonation filter upstream, so a rule about `users: [alice]` matches what Alice sends
/// as anyone else.
public struct AuditPolicyChecker: Sendable {
    public let policy: AuditPolicy

    public init(_ policy: AuditPolicy) { self.policy = policy }

    /// `attributes.user.name` empty means no user (a request that failed authentication): rules naming
    /// users or groups do not match it.
    public func evaluate(_ attributes: AuthorizationAttributes) -> AuditRequestConfig {
        let policyStages = Set(policy.omitStages)
        for rule in policy.rules where Self.matches(rule, attributes) {
            return AuditRequestConfig(level: rule.level, omitStages: policyStages.union(rule.omitStages),
                                      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields)
        }
        return AuditRequestConfig(level: .none, omitStages: policyStages, omitManagedFields: policy.omitManagedFields)
    }

    static func matches(_ rule: AuditPolicy.Rule, _ a: AuthorizationAttributes) -> Bool {
        let known = !a.user.name.isEmpty
        if !rule.users.isEmpty {
            guard known, rule.users.contains(a.user.name) else { return false }
        }
        if !rule.userGroups.isEmpty {
            guard known, a.user.groups.contains(where: rule.userGroups.contains) else { return false }
        }
        if !rule.verbs.isEmpty, !rule.verbs.contains(a.verb) { return false }
        if !rule.namespaces.isEmpty || !rule.resources.isEmpty { return matchesResource(rule, a) }
        if !rule.nonResourceURLs.isEmpty {
            return !a.isResourceRequest && rule.nonResourceURLs.contains { pathMatches(a.path, $0) }
        }
        return true
    }

    /// `*`, the exact path, or a prefix ending in `*`.
    static func pathMatches(_ path: String, _ spec: String) -> Bool {
        if spec == "*" || spec == path { return true }
        guard spec.hasSuffix("*") else { return false }
        var prefix = Substring(spec)
        while prefix.hasSuffix("*") { prefix = prefix.dropLast() }
        return path.hasPrefix(prefix)
    }

    static func matchesResource(_ rule: AuditPolicy.Rule, _ a: AuthorizationAttributes) -> Bool {
        guard a.isResourceRequest else { return false }
        // Cluster-scoped resources are in the namespace "".
        if !rule.namespaces.isEmpty, !rule.namespaces.contains(a.namespace) { return false }
        if rule.resources.isEmpty { return true }
        let combined = a.subresource.isEmpty ? a.resource : a.resource + "/" + a.subresource
        for gr in rule.resources where gr.group == a.apiGroup {
            if gr.resources.isEmpty { return true }
            guard gr.resourceNames.isEmpty || gr.resourceNames.contains(a.name) else { continue }
            for res in gr.resources {
                if res == combined || res == "*" { return true }
                if !a.subresource.isEmpty, res.hasPrefix("*/"), a.subresource == res.dropFirst(2) { return true }
                if res.hasSuffix("/*"), a.resource == res.dropLast(2) { return true }
            }
        }
        return false
    }
}
