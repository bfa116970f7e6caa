import PKI
import Synchronization

/// The RBAC authorizer: allows a request when a rule of a role bound to the user (by a ClusterRoleBinding,
/// or a RoleBinding in the request's namespace) allows it; otherwise no opinion, with the errors met
/// (bindings to missing roles) as the reason.
public struct RBACAuthorizer: Authorizer {
    let policy: RBACPolicyCache

    public init(policy: RBACPolicyCache) { self.policy = policy }

    public func authorize(_ a: AuthorizationAttributes) async -> AuthorizationDecision {
        let snapshot = await policy.current()
        return Self.authorize(a, in: snapshot)
    }

    public static func authorize(_ a: AuthorizationAttributes, in policy: RBACPolicy) -> AuthorizationDecision {
        var allowedBy: String?
        let errors = policy.visitRules(for: a.user, namespace: a.namespace) { source, rules in
            if rules.contains(where: { $0.allows(a) }) {
                allowedBy = source
                return false
            }
            return true
        }
        if let allowedBy { return .allow(reason: "RBAC: allowed by \(allowedBy)") }
        guard !errors.isEmpty else { return .noOpinion(reason: "") }
        return .noOpinion(reason: "RBAC: " + Self.aggregate(errors.map(\.message)))
    }

    /// Upstream's `utilerrors.NewAggregate` text: one error alone, several as `[a, b]`.
    static func aggregate(_ messages: [String]) -> String {
        messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }
}

/// Upstream puts `system:masters` ahead of every other authorizer: its members may do anything.
public struct PrivilegedGroupAuthorizer: Authorizer {
    public static let group = "system:masters"
    public init() {}
    public func authorize(_ a: AuthorizationAttributes) async -> AuthorizationDecision {
        a.user.groups.contains(Self.group) ? .allow(reason: "") : .noOpinion(reason: "")
    }
}

/// The RBAC objects as one snapshot, reloaded after any of them is written (the API server is the only
/// writer, and calls `invalidate()` after each RBAC write, so a binding applies to the very next request).
public typealias RBACPolicyCache = ReloadingSnapshot<RBACPolicy>
