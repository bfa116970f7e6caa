import APIMachinery
import Foundation
import PKI

/// The authorization step of every authenticated request: impersonation first, then the chain
/// (`--authorization-mode`, Node then RBAC, behind upstream's `system:masters` short-cut).
/// Requests without `userInfo` (a plain-HTTP server, the server's own bootstrap) are not checked.
extension APIHandler {
    /// Upstream's `--authorization-mode` values Skiff implements.
    static func makeAuthorizer(modes: [String], policy: RBACPolicyCache, graph: NodeAuthorizer.Graph) -> (any Authorizer)? {
        var chain: [any Authorizer] = [PrivilegedGroupAuthorizer()]
        for mode in modes {
            switch mode {
            case "Node": chain.append(NodeAuthorizer(graph: graph))
            case "RBAC": chain.append(RBACAuthorizer(policy: policy))
            case "AlwaysAllow": return nil
            default: continue
            }
        }
        return AuthorizerChain(chain)
    }

    /// Replaces the request's user by the impersonated one, then authorizes the request; throws its 403.
    /// The audit event learns the impersonated user and the decision (upstream's impersonation and
    /// authorization filters annotate it the same way).
    func authorizeRequest(_ request: inout APIRequest) async throws {
        guard let caller = request.userInfo else { return }
        guard let authorizer else {
            // AlwaysAllow still answers, with no reason.
            request.audit?.authorized(.allow(reason: ""))
            return
        }
        if let wanted = Impersonation.requested(request.headers) {
            let user = try await Impersonation.impersonate(wanted, as: caller, authorizer: authorizer)
            request.userInfo = user
            request.user = user.name
            request.audit?.impersonated(user)
        }
        let user = request.userInfo ?? caller
        var attributes: AuthorizationAttributes
        if let audited = request.audit?.attributes {
            // The audit event worked them out from this same request (the HTTP layer opens it); only the
            // user may have changed since (impersonation), and nothing else in them depends on the user.
            attributes = audited
            attributes.user = user
        } else {
            attributes = AuthorizationAttributes.of(method: request.method, path: request.path, query: request.query, user: user)
        }
        let decision = await authorizer.authorize(attributes)
        request.audit?.authorized(decision)
        if !decision.isAllowed { throw Forbidden.error(attributes, reason: decision.reason) }
    }

    /// Whether `user` may do what `attributes` describe (the reviews and the escalation checks ask this).
    func isAllowed(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        guard let authorizer else { return .allow(reason: "") }
        return await authorizer.authorize(attributes)
    }

    /// Loads every Role, ClusterRole and binding for the RBAC authorizer's snapshot.
    static func loadRBACPolicy(stores: [String: ResourceStore]) async -> RBACPolicy {
        func all(_ resource: String) async -> [JSON] {
            guard let store = stores[key("rbac.authorization.k8s.io", resource)],
                  let page = try? await store.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
            else { return [] }
            return page.items
        }
        return RBACPolicy(roles: await all("roles"), clusterRoles: await all("clusterroles"),
                          roleBindings: await all("rolebindings"), clusterRoleBindings: await all("clusterrolebindings"))
    }

    /// The Node authorizer's view of the store: pods bound to a node, a claim's volume.
    static func nodeGraph(stores: [String: ResourceStore]) -> NodeAuthorizer.Graph {
        let pods = stores[key("", "pods")]
        let claims = stores[key("", "persistentvolumeclaims")]
        return NodeAuthorizer.Graph(
            podsOnNode: { node in
                guard let pods else { return [] }
                let page = try? await pods.list(namespace: nil, filter: { $0[path: ["spec", "nodeName"]]?.string == node },
                                                limit: 0, continueToken: nil, revision: nil)
                return page?.items ?? []
            },
            claimVolume: { namespace, name in
                guard let claims else { return nil }
                return (try? await claims.getIfExists(namespace: namespace, name: name))?[path: ["spec", "volumeName"]]?.string
            })
    }
}
