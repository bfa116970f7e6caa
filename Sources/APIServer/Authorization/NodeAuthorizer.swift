import APIMachinery
import PKI

/// Upstream's Node authorizer: a kubelet (`system:node:<name>` in `system:nodes`) reads only the Secrets,
/// ConfigMaps, PersistentVolumeClaims and PersistentVolumes that pods bound to its node use, requests tokens
/// only for those pods' service accounts, touches only its own Lease, and otherwise gets the `system:node`
/// role's rules. Everything it refuses is "no opinion" (RBAC may still grant it), with upstream's reason.
public struct NodeAuthorizer: Authorizer {
    /// What the authorizer needs from the store: the pods bound to a node and a claim's bound volume.
    public struct Graph: Sendable {
        public var podsOnNode: @Sendable (String) async -> [JSON]
        public var claimVolume: @Sendable (_ namespace: String, _ name: String) async -> String?

        public init(podsOnNode: @escaping @Sendable (String) async -> [JSON],
                    claimVolume: @escaping @Sendable (String, String) async -> String?) {
            self.podsOnNode = podsOnNode
            self.claimVolume = claimVolume
        }
    }

    let graph: Graph
    let nodeRules: [PolicyRule]

    public init(graph: Graph, nodeRules: [PolicyRule] = BootstrapPolicy.nodeRules) {
        self.graph = graph
        self.nodeRules = nodeRules
    }

    /// The node a user is a kubelet of (`system:node:<name>` in `system:nodes`), "" for an unnamed node,
    /// nil for other users.
    public static func nodeName(of user: AuthenticatedUser) -> String? {
        guard user.groups.contains("system:nodes"), user.name.hasPrefix("system:node:") else { return nil }
        return String(user.name.dropFirst("system:node:".count))
    }

    public func authorize(_ a: AuthorizationAttributes) async -> AuthorizationDecision {
        guard let node = Self.nodeName(of: a.user) else { return .noOpinion(reason: "") }
        guard !node.isEmpty else { return .noOpinion(reason: "unknown node") }
        if a.isResourceRequest {
            switch (a.apiGroup, a.resource) {
            case ("", "secrets"), ("", "configmaps"):
                return await readNamespaced(node, a)
            case ("", "persistentvolumeclaims"):
                if a.subresource == "status" {
                    guard ["update", "patch"].contains(a.verb) else { return .noOpinion(reason: "can only get or update persistentvolumeclaim status") }
                    return await related(node, a)
                }
                return await getOnly(node, a)
            case ("", "persistentvolumes"), ("storage.k8s.io", "volumeattachments"):
                return await getOnly(node, a)
            case ("", "serviceaccounts"):
                guard a.verb == "create", !a.name.isEmpty else { return .noOpinion(reason: "can only create tokens for individual service accounts") }
                guard a.subresource == "token" else { return .noOpinion(reason: "can only create token subresource of serviceaccount") }
                return await related(node, a)
            case ("coordination.k8s.io", "leases"):
                return lease(node, a)
            case ("storage.k8s.io", "csinodes"):
                guard ["get", "create", "update", "patch", "delete"].contains(a.verb) else {
                    return .noOpinion(reason: "can only get, create, update, patch, or delete a CSINode")
                }
                guard a.subresource.isEmpty else { return .noOpinion(reason: "cannot authorize CSINode subresources") }
                guard a.verb == "create" || a.name == node else { return .noOpinion(reason: "can only access CSINode with the same name as the requesting node") }
                return .allow(reason: "")
            default:
                break
            }
        }
        return nodeRules.contains(where: { $0.allows(a) }) ? .allow(reason: "") : .noOpinion(reason: "")
    }

    private func readNamespaced(_ node: String, _ a: AuthorizationAttributes) async -> AuthorizationDecision {
        guard ["get", "list", "watch"].contains(a.verb) else { return .noOpinion(reason: "can only read resources of this type") }
        guard a.subresource.isEmpty else { return .noOpinion(reason: "cannot read subresource") }
        guard !a.namespace.isEmpty else { return .noOpinion(reason: "can only read namespaced object of this type") }
        return await related(node, a)
    }

    private func getOnly(_ node: String, _ a: AuthorizationAttributes) async -> AuthorizationDecision {
        guard a.verb == "get" else { return .noOpinion(reason: "can only get individual resources of this type") }
        guard a.subresource.isEmpty else { return .noOpinion(reason: "cannot get subresource") }
        return await related(node, a)
    }

    private func lease(_ node: String, _ a: AuthorizationAttributes) -> AuthorizationDecision {
        guard ["get", "create", "update", "patch", "delete"].contains(a.verb) else {
            return .noOpinion(reason: "can only get, create, update, patch, or delete a node lease")
        }
        guard a.namespace == "kube-node-lease" else { return .noOpinion(reason: "can only access leases in the \"kube-node-lease\" system namespace") }
        guard a.verb == "create" || a.name == node else { return .noOpinion(reason: "can only access node lease with the same name as the requesting node") }
        return .allow(reason: "")
    }

    /// Whether the named object is reachable from the node through a pod bound to it.
    private func related(_ node: String, _ a: AuthorizationAttributes) async -> AuthorizationDecision {
        guard !a.name.isEmpty else { return .noOpinion(reason: "No Object name found") }
        let denied = AuthorizationDecision.noOpinion(reason: "no relationship found between node '\(node)' and this object")
        let pods = await graph.podsOnNode(node)
        for pod in pods {
            let refs = PodReferences(pod: pod)
            let namespace = pod.metaNamespace ?? ""
            switch a.resource {
            case "persistentvolumes":
                for claim in refs.claims {
                    if await graph.claimVolume(namespace, claim) == a.name { return .allow(reason: "") }
                }
                continue
            default:
                break
            }
            guard namespace == a.namespace else { continue }
            let found: Bool
            switch a.resource {
            case "secrets": found = refs.secrets.contains(a.name)
            case "configmaps": found = refs.configMaps.contains(a.name)
            case "persistentvolumeclaims": found = refs.claims.contains(a.name)
            case "serviceaccounts": found = refs.serviceAccount == a.name
            default: found = false
            }
            if found { return .allow(reason: "") }
        }
        return denied
    }
}
