import APIMachinery
import PKI

/// Upstream's privilege-escalation prevention on writes of RBAC objects: a user may create or change a
/// Role or ClusterRole only with rules they already hold (or the `escalate` verb on it), and bind a role
/// only when they hold all its rules (or the `bind` verb on it). `system:masters` is exempt.
extension APIHandler {
    func checkRBACEscalation(_ ctx: RequestContext, _ object: JSON, old: JSON?) async throws {
        guard ctx.info.group == "rbac.authorization.k8s.io", authorizer != nil, let user = ctx.request.userInfo,
              !user.groups.contains(PrivilegedGroupAuthorizer.group)
        else { return }
        let namespace = ctx.info.namespaced ? (ctx.ri.namespace ?? "") : ""
        let name = object.metaName ?? ""
        let group = ctx.info.group, resource = ctx.info.resource
        func verbAllowed(_ verb: String, _ resource: String, _ name: String) async -> Bool {
            await isAllowed(AuthorizationAttributes(user: user, verb: verb, namespace: namespace, apiGroup: group,
                                                    apiVersion: "v1", resource: resource, name: name)).isAllowed
        }
        let requested: [PolicyRule]
        switch resource {
        case "roles", "clusterroles":
            let rules = PolicyRule.rules(of: object)
            if let old, rules == PolicyRule.rules(of: old), Semantic.equal(object["aggregationRule"], old["aggregationRule"]) { return }
            if await verbAllowed("escalate", resource, name) { return }
            if let agg = object["aggregationRule"], !agg.isNull {
                // An aggregation rule can gather anything: it needs every permission.
                let full = [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
                let owner = await rbacPolicy.current().rules(for: user, namespace: namespace).rules
                if !RuleCoverage.uncovered(owner: owner, requested: full).isEmpty {
                    throw Forbidden.error(group: group, resource: resource, name: name, "must have cluster-admin privileges to use the aggregationRule")
                }
            }
            requested = rules
        case "rolebindings", "clusterrolebindings":
            let ref = object["roleRef"] ?? [:]
            if let old, Semantic.equal(ref, old["roleRef"]), Semantic.equal(object["subjects"], old["subjects"]) { return }
            let kind = ref["kind"]?.string ?? "", roleName = ref["name"]?.string ?? ""
            let roleResource = kind == "Role" ? "roles" : "clusterroles"
            if await verbAllowed("bind", roleResource, roleName) { return }
            let policy = await rbacPolicy.current()
            let found = kind == "Role" ? policy.roles["\(namespace)/\(roleName)"] : policy.clusterRoles[roleName]
            guard let rules = found else {
                let what = kind == "Role" ? "role" : "clusterrole"
                throw Forbidden.error(group: group, resource: resource, name: name, "\(what).rbac.authorization.k8s.io \"\(roleName)\" not found")
            }
            requested = rules
        default:
            return
        }
        let (owner, errors) = await rbacPolicy.current().rules(for: user, namespace: namespace)
        let missing = RuleCoverage.uncovered(owner: owner, requested: requested)
        guard !missing.isEmpty else { return }
        let groups = "[" + user.groups.map { "\"\($0)\"" }.joined(separator: " ") + "]"
        var message = "user \"\(user.name)\" (groups=\(groups)) is attempting to grant RBAC permissions not currently held:\n"
            + missing.map(\.compactString).joined(separator: "\n")
        if !errors.isEmpty { message += "; resolution errors: [" + errors.joined(separator: " ") + "]" }
        throw Forbidden.error(group: group, resource: resource, name: name, message)
    }
}
