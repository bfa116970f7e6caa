import APIMachinery
import PKI

/// A snapshot of the cluster's Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, indexed as the
/// RBAC authorizer walks them, and upstream's rule resolution over it (`DefaultRuleResolver`).
public struct RBACPolicy: Sendable {
    /// `namespace/name` → rules.
    var roles: [String: [PolicyRule]] = [:]
    var clusterRoles: [String: [PolicyRule]] = [:]
    /// namespace → bindings there.
    var roleBindings: [String: [Binding]] = [:]
    var clusterRoleBindings: [Binding] = []

    struct Subject: Sendable, Hashable {
        var kind: String
        var name: String
        var namespace: String
    }

    struct Binding: Sendable {
        var name: String
        var namespace: String
        var roleKind: String
        var roleName: String
        var subjects: [Subject]

        init(json: JSON) {
            name = json.metaName ?? ""
            namespace = json.metaNamespace ?? ""
            roleKind = json[path: ["roleRef", "kind"]]?.string ?? ""
            roleName = json[path: ["roleRef", "name"]]?.string ?? ""
            subjects = (json["subjects"]?.array ?? []).map {
                Subject(kind: $0["kind"]?.string ?? "", name: $0["name"]?.string ?? "", namespace: $0["namespace"]?.string ?? "")
            }
        }

        /// The subject that makes this binding apply to `user` (upstream's `appliesTo`).
        func subject(for user: AuthenticatedUser) -> Subject? {
            subjects.first { s in
                switch s.kind {
                case "User": return s.name == user.name
                case "Group": return user.groups.contains(s.name)
                case "ServiceAccount":
                    let ns = s.namespace.isEmpty ? namespace : s.namespace
                    return user.name == "system:serviceaccount:\(ns):\(s.name)"
                default: return false
                }
            }
        }
    }

    public init() {}

    public init(roles: [JSON], clusterRoles: [JSON], roleBindings: [JSON], clusterRoleBindings: [JSON]) {
        for r in roles { self.roles["\(r.metaNamespace ?? "")/\(r.metaName ?? "")"] = PolicyRule.rules(of: r) }
        for r in clusterRoles { self.clusterRoles[r.metaName ?? ""] = PolicyRule.rules(of: r) }
        for b in roleBindings { self.roleBindings[b.metaNamespace ?? "", default: []].append(Binding(json: b)) }
        self.clusterRoleBindings = clusterRoleBindings.map(Binding.init(json:))
    }

    /// The rules a binding's roleRef names, or the error upstream reports for a missing role.
    func rules(of binding: Binding) -> Result<[PolicyRule], RBACError> {
        if binding.roleKind == "Role" {
            guard let r = roles["\(binding.namespace)/\(binding.roleName)"] else {
                return .failure(RBACError("role.rbac.authorization.k8s.io \"\(binding.roleName)\" not found"))
            }
            return .success(r)
        }
        guard let r = clusterRoles[binding.roleName] else {
            return .failure(RBACError("clusterrole.rbac.authorization.k8s.io \"\(binding.roleName)\" not found"))
        }
        return .success(r)
    }

    /// Visits every (binding, rules) that applies to `user` in `namespace` (cluster bindings first), until
    /// `visit` returns false.
    func visitRules(for user: AuthenticatedUser, namespace: String,
                    _ visit: (_ source: String, _ rules: [PolicyRule]) -> Bool) -> [RBACError] {
        var errors: [RBACError] = []
        for b in clusterRoleBindings {
            guard let subject = b.subject(for: user) else { continue }
            switch rules(of: b) {
            case .failure(let e): errors.append(e)
            case .success(let rules):
                let source = "ClusterRoleBinding \"\(b.name)\" of ClusterRole \"\(b.roleName)\" to \(Self.describe(subject))"
                if !visit(source, rules) { return errors }
            }
        }
        guard !namespace.isEmpty else { return errors }
        for b in roleBindings[namespace] ?? [] {
            guard let subject = b.subject(for: user) else { continue }
            switch rules(of: b) {
            case .failure(let e): errors.append(e)
            case .success(let rules):
                let source = "RoleBinding \"\(b.name)/\(namespace)\" of \(b.roleKind) \"\(b.roleName)\" to \(Self.describe(subject))"
                if !visit(source, rules) { return errors }
            }
        }
        return errors
    }

    static func describe(_ s: Subject) -> String {
        s.kind == "ServiceAccount" && !s.namespace.isEmpty ? "ServiceAccount \"\(s.name)/\(s.namespace)\"" : "\(s.kind) \"\(s.name)\""
    }

    /// Every rule that applies to `user` in `namespace` ("" = cluster-wide only), and the errors met
    /// (upstream's `RulesFor`).
    public func rules(for user: AuthenticatedUser, namespace: String) -> (rules: [PolicyRule], errors: [String]) {
        var all: [PolicyRule] = []
        let errors = visitRules(for: user, namespace: namespace) { _, rules in
            all += rules
            return true
        }
        return (all, errors.map(\.message))
    }
}

/// A problem met while resolving rules (a binding that names a missing role).
public struct RBACError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
