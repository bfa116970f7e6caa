import APIMachinery
import Foundation
import PKI
import Testing

@testable import APIServer

private let alice = AuthenticatedUser(name: "alice", groups: ["dev", AuthenticatedUser.allAuthenticated])

private func attrs(_ verb: String, _ resource: String, group: String = "", sub: String = "", ns: String = "default", name: String = "",
                   user: AuthenticatedUser = alice) -> AuthorizationAttributes {
    AuthorizationAttributes(user: user, verb: verb, namespace: ns, apiGroup: group, resource: resource, subresource: sub, name: name)
}

@Suite struct PolicyRuleMatchingTests {
    @Test func wildcardsSubresourcesAndNames() {
        let all = PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])
        #expect(all.allows(attrs("delete", "deployments", group: "apps", sub: "scale")))
        let scale = PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"])
        #expect(scale.allows(attrs("get", "deployments", group: "apps", sub: "scale")))
        #expect(!scale.allows(attrs("get", "deployments", group: "apps")))
        #expect(!scale.allows(attrs("update", "deployments", group: "apps", sub: "scale")))
        let pods = PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"], resourceNames: ["web"])
        #expect(pods.allows(attrs("get", "pods", name: "web")))
        #expect(pods.allows(attrs("get", "pods", sub: "log", name: "web")))
        #expect(!pods.allows(attrs("get", "pods", name: "db")))
        #expect(!pods.allows(attrs("get", "pods", sub: "exec", name: "web")))
        #expect(!pods.allows(attrs("get", "pods", group: "apps", name: "web")))
        // A list names no object: a rule limited to names does not allow it.
        #expect(!pods.allows(attrs("list", "pods")))
    }

    @Test func nonResourceURLsMatchExactlyOrByStarPrefix() {
        let rule = PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"])
        #expect(rule.allows(.nonResource(user: alice, verb: "get", path: "/healthz")))
        #expect(!rule.allows(.nonResource(user: alice, verb: "get", path: "/healthz/etcd")))
        #expect(rule.allows(.nonResource(user: alice, verb: "get", path: "/apis/apps/v1")))
        #expect(!rule.allows(.nonResource(user: alice, verb: "post", path: "/apis")))
        // Resource rules never allow a path, URL rules never a resource.
        #expect(!PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]).allows(.nonResource(user: alice, verb: "get", path: "/version")))
        #expect(!rule.allows(attrs("get", "pods")))
    }

    @Test func requestAttributesFollowUpstreamsVerbs() {
        func verb(_ method: String, _ path: String, _ query: String? = nil) -> (String, String, String) {
            let a = AuthorizationAttributes.of(method: method, path: path, query: QueryParameters(query), user: alice)
            return (a.verb, a.resource + (a.subresource.isEmpty ? "" : "/" + a.subresource), a.name)
        }
        #expect(verb("GET", "/api/v1/namespaces/default/pods") == ("list", "pods", ""))
        #expect(verb("GET", "/api/v1/namespaces/default/pods", "watch=true") == ("watch", "pods", ""))
        #expect(verb("GET", "/api/v1/watch/namespaces/default/pods") == ("watch", "pods", ""))
        #expect(verb("GET", "/api/v1/namespaces/default/pods", "fieldSelector=metadata.name%3Dweb") == ("list", "pods", "web"))
        #expect(verb("DELETE", "/api/v1/namespaces/default/pods") == ("deletecollection", "pods", ""))
        #expect(verb("POST", "/api/v1/namespaces/default/pods/web/eviction") == ("create", "pods/eviction", "web"))
        #expect(verb("PATCH", "/apis/apps/v1/namespaces/x/deployments/d/scale") == ("patch", "deployments/scale", "d"))
        let ns = AuthorizationAttributes.of(method: "GET", path: "/api/v1/namespaces/team", query: QueryParameters(nil), user: alice)
        #expect(ns.namespace == "team" && ns.name == "team" && ns.verb == "get")
        let version = AuthorizationAttributes.of(method: "GET", path: "/version", query: QueryParameters(nil), user: alice)
        #expect(!version.isResourceRequest && version.path == "/version" && version.verb == "get")
    }
}

@Suite struct RuleCoverageTests {
    @Test func ownerMustHoldEveryAtom() {
        let owner = [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "*/status"]),
                     PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"])]
        #expect(RuleCoverage.uncovered(owner: owner, requested: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods", "pods/status"])]).isEmpty)
        let missing = RuleCoverage.uncovered(owner: owner, requested: [PolicyRule(verbs: ["get", "delete"], apiGroups: [""], resources: ["pods"])])
        #expect(missing == [PolicyRule(verbs: ["delete"], apiGroups: [""], resources: ["pods"])])
        #expect(missing[0].compactString == "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}")
        // Names: an owner limited to "a" covers a request limited to "a", not one for every secret.
        #expect(RuleCoverage.uncovered(owner: owner, requested: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"])]).isEmpty)
        #expect(!RuleCoverage.uncovered(owner: owner, requested: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"])]).isEmpty)
        let admin = [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
        #expect(RuleCoverage.uncovered(owner: admin, requested: BootstrapPolicy.nodeRules + [PolicyRule(verbs: ["get"], nonResourceURLs: ["/metrics"])]).isEmpty)
        #expect(!RuleCoverage.uncovered(owner: [admin[0]], requested: [PolicyRule(verbs: ["get"], nonResourceURLs: ["/metrics"])]).isEmpty)
    }
}

@Suite struct RBACAuthorizerTests {
    static func role(_ name: String, ns: String? = nil, _ rules: [PolicyRule]) -> JSON {
        var meta: JSON = ["name": .string(name)]
        if let ns { meta["namespace"] = .string(ns) }
        return ["metadata": meta, "rules": .array(rules.map(\.json))]
    }

    static func binding(_ name: String, ns: String? = nil, kind: String = "ClusterRole", role: String, _ subjects: [JSON]) -> JSON {
        var meta: JSON = ["name": .string(name)]
        if let ns { meta["namespace"] = .string(ns) }
        return ["metadata": meta, "roleRef": ["kind": .string(kind), "name": .string(role)], "subjects": .array(subjects)]
    }

    let policy = RBACPolicy(
        roles: [RBACAuthorizerTests.role("pod-reader", ns: "team", [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods"])])],
        clusterRoles: [RBACAuthorizerTests.role("view", [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"])])],
        roleBindings: [
            RBACAuthorizerTests.binding("sa-reads-pods", ns: "team", kind: "Role", role: "pod-reader", [["kind": "ServiceAccount", "name": "builder"]]),
            RBACAuthorizerTests.binding("dev-views", ns: "team", role: "view", [["kind": "Group", "name": "dev"]]),
            RBACAuthorizerTests.binding("dangling", ns: "team", kind: "Role", role: "gone", [["kind": "User", "name": "alice"]]),
        ],
        clusterRoleBindings: [RBACAuthorizerTests.binding("bob-views", role: "view", [["kind": "User", "name": "bob"]])])

    @Test func bindingsApplyByUserGroupAndServiceAccount() {
        let builder = AuthenticatedUser(name: "system:serviceaccount:team:builder", groups: ["system:serviceaccounts"])
        #expect(RBACAuthorizer.authorize(attrs("list", "pods", ns: "team", user: builder), in: policy).isAllowed)
        #expect(!RBACAuthorizer.authorize(attrs("list", "pods", ns: "other", user: builder), in: policy).isAllowed)
        #expect(!RBACAuthorizer.authorize(attrs("list", "pods", ns: "", user: builder), in: policy).isAllowed)
        // A ClusterRole bound by a RoleBinding grants only in that namespace.
        #expect(RBACAuthorizer.authorize(attrs("get", "configmaps", ns: "team"), in: policy)
            == .allow(reason: "RBAC: allowed by RoleBinding \"dev-views/team\" of ClusterRole \"view\" to Group \"dev\""))
        #expect(!RBACAuthorizer.authorize(attrs("get", "configmaps", ns: "default"), in: policy).isAllowed)
        let bob = AuthenticatedUser(name: "bob")
        #expect(RBACAuthorizer.authorize(attrs("get", "configmaps", ns: "anywhere", user: bob), in: policy).isAllowed)
    }

    @Test func aBindingToAMissingRoleIsTheReason() {
        let d = RBACAuthorizer.authorize(attrs("delete", "pods", ns: "team"), in: policy)
        #expect(d == .noOpinion(reason: "RBAC: role.rbac.authorization.k8s.io \"gone\" not found"))
        let (rules, errors) = policy.rules(for: alice, namespace: "team")
        #expect(rules == [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"])])
        #expect(errors == ["role.rbac.authorization.k8s.io \"gone\" not found"])
    }

    @Test func forbiddenMessagesAreUpstreams() {
        let sa = AuthenticatedUser(name: "system:serviceaccount:default:default")
        #expect(Forbidden.error(attrs("list", "pods", user: sa), reason: "").message
            == "pods is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"")
        #expect(Forbidden.error(attrs("get", "deployments", group: "apps", sub: "scale", ns: "", name: "d", user: sa), reason: "why").message
            == "deployments.apps \"d\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"deployments/scale\" in API group \"apps\" at the cluster scope: why")
        let e = Forbidden.error(.nonResource(user: .anonymous, verb: "get", path: "/metrics"), reason: "")
        #expect(e.message == "forbidden: User \"system:anonymous\" cannot get path \"/metrics\"" && e.code == 403)
    }
}

@Suite struct NodeAuthorizerTests {
    static let node = AuthenticatedUser(name: "system:node:n1", groups: ["system:nodes", AuthenticatedUser.allAuthenticated])
    let authorizer = NodeAuthorizer(graph: .init(
        podsOnNode: { node in
            guard node == "n1" else { return [] }
            return [[
                "metadata": ["name": "web", "namespace": "default"],
                "spec": ["nodeName": "n1", "serviceAccountName": "runner",
                         "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": "data"]],
                                     ["name": "cfg", "projected": ["sources": [["configMap": ["name": "kube-root-ca.crt"]]]]]],
                         "containers": [["name": "c", "env": [["name": "K", "valueFrom": ["secretKeyRef": ["name": "used", "key": "k"]]]]]]],
            ]]
        },
        claimVolume: { ns, name in ns == "default" && name == "data" ? "pv-1" : nil }))

    func decide(_ verb: String, _ resource: String, group: String = "", sub: String = "", ns: String = "default", name: String = "") async -> AuthorizationDecision {
        await authorizer.authorize(attrs(verb, resource, group: group, sub: sub, ns: ns, name: name, user: Self.node))
    }

    @Test func readsOnlyWhatItsPodsUse() async {
        #expect(await decide("get", "secrets", name: "used").isAllowed)
        #expect(await decide("get", "secrets", name: "unused") == .noOpinion(reason: "no relationship found between node 'n1' and this object"))
        #expect(await decide("get", "secrets", ns: "other", name: "used") == .noOpinion(reason: "no relationship found between node 'n1' and this object"))
        #expect(await decide("list", "secrets") == .noOpinion(reason: "No Object name found"))
        #expect(await decide("update", "secrets", name: "used") == .noOpinion(reason: "can only read resources of this type"))
        #expect(await decide("get", "configmaps", name: "kube-root-ca.crt").isAllowed)
        #expect(await decide("get", "persistentvolumeclaims", name: "data").isAllowed)
        #expect(await decide("get", "persistentvolumes", ns: "", name: "pv-1").isAllowed)
        #expect(!(await decide("get", "persistentvolumes", ns: "", name: "pv-2").isAllowed))
        #expect(await decide("create", "serviceaccounts", sub: "token", name: "runner").isAllowed)
        #expect(!(await decide("create", "serviceaccounts", sub: "token", name: "default").isAllowed))
    }

    @Test func ownLeaseAndTheNodeRules() async {
        #expect(await decide("update", "leases", group: "coordination.k8s.io", ns: "kube-node-lease", name: "n1").isAllowed)
        #expect(await decide("update", "leases", group: "coordination.k8s.io", ns: "kube-node-lease", name: "n2")
            == .noOpinion(reason: "can only access node lease with the same name as the requesting node"))
        #expect(await decide("patch", "nodes", sub: "status", ns: "", name: "n1").isAllowed)
        #expect(await decide("list", "pods", ns: "").isAllowed)
        #expect(!(await decide("delete", "namespaces", ns: "", name: "default").isAllowed))
        // Not a node: no opinion, whatever the request.
        #expect(await authorizer.authorize(attrs("get", "secrets", name: "used")) == .noOpinion(reason: ""))
    }
}

/// The authorization chain through the API handler, with requests carrying a user as a secure server's do.
@Suite(.timeLimit(.minutes(1))) struct RequestAuthorizationTests {
    func send(_ server: TestServer, _ method: String, _ path: String, as user: AuthenticatedUser, body: JSON? = nil,
              headers: [String: String] = [:]) async -> APIResponse {
        var h = ["Content-Type": "application/json"]
        for (k, v) in headers { h[k] = v }
        var request = APIRequest(method: method, path: path, query: nil, headers: h, body: body?.serialized() ?? Data(), user: user.name)
        request.userInfo = user
        return await server.handler.handle(request)
    }

    static let sa = AuthenticatedUser(name: "system:serviceaccount:default:default",
                                      groups: ["system:serviceaccounts", "system:serviceaccounts:default", AuthenticatedUser.allAuthenticated])
    static let admin = AuthenticatedUser(name: "kubernetes-admin", groups: ["kubeadm:cluster-admins", AuthenticatedUser.allAuthenticated])

    @Test func bootstrapPolicyGovernsRequests() async throws {
        let server = try await TestServer()
        #expect(await send(server, "GET", "/api/v1/namespaces/default/pods", as: Self.admin).status == 200)
        let denied = await send(server, "GET", "/api/v1/namespaces/default/secrets", as: Self.sa)
        #expect(denied.status == 403)
        #expect(denied.json?["message"]?.string == "secrets is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"")
        #expect(denied.json?["details"] == ["kind": "secrets"])
        #expect(await send(server, "GET", "/version", as: .anonymous).status == 200)
        #expect(await send(server, "GET", "/api", as: .anonymous).status == 403)
        #expect(await send(server, "GET", "/api", as: Self.sa).status == 200)
        // The scheduler binds pods but cannot delete a namespace.
        let scheduler = AuthenticatedUser(name: "system:kube-scheduler", groups: [AuthenticatedUser.allAuthenticated])
        #expect(await send(server, "DELETE", "/api/v1/namespaces/default", as: scheduler).status == 403)
        // admin gathers edit, which gathers view: pods/log comes from system:aggregate-to-view.
        let admin = await send(server, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", as: Self.admin)
        #expect(admin.json?["rules"]?.array?.contains { $0["resources"]?.array?.contains("pods/log") == true } == true)
        // view is aggregated at start: a RoleBinding to it lets the account read pods there, and only there.
        let binding: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "sa-view"],
                             "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"],
                             "subjects": [["kind": "ServiceAccount", "name": "default", "namespace": "default"]]]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", as: Self.admin, body: binding).status == 201)
        #expect(await send(server, "GET", "/api/v1/namespaces/default/pods", as: Self.sa).status == 200)
        #expect(await send(server, "GET", "/api/v1/namespaces/kube-system/pods", as: Self.sa).status == 403)
        #expect(await send(server, "GET", "/api/v1/namespaces/default/secrets", as: Self.sa).status == 403)
    }

    @Test func escalationAndBindChecks() async throws {
        let server = try await TestServer()
        let bob = AuthenticatedUser(name: "bob", groups: [AuthenticatedUser.allAuthenticated])
        let writer: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "writer"],
                            "rules": [["apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["get", "create", "update"]],
                                      ["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]]]]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", as: Self.admin, body: writer).status == 201)
        let bind: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "bob-writes"],
                          "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "writer"],
                          "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"]]]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", as: Self.admin, body: bind).status == 201)
        // Within what bob holds: fine. Beyond it: refused with the missing rule.
        let ok: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "cm-reader"],
                        "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]]]]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", as: bob, body: ok).status == 201)
        let bad: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "secret-reader"],
                         "rules": [["apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]]]]
        let refused = await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", as: bob, body: bad)
        #expect(refused.status == 403)
        #expect(refused.json?["message"]?.string == """
            roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:
            {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}
            """)
        #expect(await send(server, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/secret-reader", as: Self.admin).status == 404)
        // Binding admin needs admin's rules, or the bind verb on it.
        var toAdmin = bind
        toAdmin["metadata"] = ["name": "bob-admin"]
        toAdmin["roleRef"] = ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", as: bob, body: toAdmin).status == 403)
        let binder: JSON = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "binder"],
                            "rules": [["apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"], "resourceNames": ["admin"]]]]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", as: Self.admin, body: binder).status == 201)
        var bindBinder = bind
        bindBinder["metadata"] = ["name": "bob-binds"]
        bindBinder["roleRef"] = ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "binder"]
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", as: Self.admin, body: bindBinder).status == 201)
        #expect(await send(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", as: bob, body: toAdmin).status == 201)
    }

    @Test func impersonationNeedsTheImpersonateVerb() async throws {
        let server = try await TestServer()
        let asSA = ["Impersonate-User": "system:serviceaccount:default:default"]
        let whoami = await send(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", as: Self.admin,
                                body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"], headers: asSA)
        #expect(whoami.json?[path: ["status", "userInfo", "username"]] == "system:serviceaccount:default:default")
        #expect(whoami.json?[path: ["status", "userInfo", "groups"]] == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])
        #expect(await send(server, "GET", "/api/v1/namespaces/default/secrets", as: Self.admin, headers: asSA).status == 403)
        let refused = await send(server, "GET", "/api/v1/namespaces/default/pods", as: Self.sa, headers: ["Impersonate-User": "alice"])
        #expect(refused.status == 403)
        #expect(refused.json?["message"]?.string == "users \"alice\" is forbidden: User \"system:serviceaccount:default:default\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope")
    }

    @Test func reviewsAnswerFromTheChain() async throws {
        let server = try await TestServer()
        let sar: JSON = ["apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                         "spec": ["user": "system:kube-scheduler", "resourceAttributes": ["verb": "create", "resource": "pods", "subresource": "binding", "namespace": "default"]]]
        let allowed = await send(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", as: Self.admin, body: sar)
        #expect(allowed.json?[path: ["status", "allowed"]] == true)
        var denied = sar
        denied[path: ["spec", "resourceAttributes"]] = ["verb": "delete", "resource": "namespaces"]
        #expect(await send(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", as: Self.admin, body: denied)
            .json?[path: ["status", "allowed"]] == false)
        // The service account may ask about itself, not about others.
        let self_: JSON = ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                           "spec": ["resourceAttributes": ["verb": "list", "resource": "secrets", "namespace": "default"]]]
        let own = await send(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", as: Self.sa, body: self_)
        #expect(own.status == 201 && own.json?[path: ["status", "allowed"]] == false)
        #expect(await send(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", as: Self.sa, body: sar).status == 403)
        let rules = await send(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", as: Self.sa,
                               body: ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": ["namespace": "default"]])
        let resourceRules = rules.json?[path: ["status", "resourceRules"]]?.array ?? []
        #expect(resourceRules.contains { $0["resources"] == ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] })
        #expect(!resourceRules.contains { $0["resources"]?.array?.contains("secrets") == true })
        #expect(rules.json?[path: ["status", "incomplete"]] == false)
    }

    @Test func nodeRestrictionKeepsAKubeletToItsNode() async throws {
        let server = try await TestServer()
        let kubelet = AuthenticatedUser(name: "system:node:n1", groups: ["system:nodes", AuthenticatedUser.allAuthenticated])
        let other: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n2"]]
        let r = await send(server, "POST", "/api/v1/nodes", as: kubelet, body: other)
        #expect(r.status == 403 && r.json?["message"]?.string == "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"")
        #expect(await send(server, "POST", "/api/v1/nodes", as: kubelet, body: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"]]).status == 201)
        let plain = await send(server, "POST", "/api/v1/namespaces/default/pods", as: kubelet, body: pod("p", node: "n1"))
        #expect(plain.status == 403 && plain.json?["message"]?.string?.contains("can only create mirror pods") == true)
        #expect(await send(server, "POST", "/api/v1/namespaces/default/pods", as: Self.admin, body: pod("elsewhere", node: "n2")).status == 201)
        #expect(await send(server, "DELETE", "/api/v1/namespaces/default/pods/elsewhere", as: kubelet).status == 403)
    }

    /// A controller's service account in kube-system, as `--use-service-account-credentials` authenticates it.
    static func controller(_ name: String) -> AuthenticatedUser {
        AuthenticatedUser(name: "system:serviceaccount:kube-system:\(name)",
                          groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", AuthenticatedUser.allAuthenticated])
    }
    static let manager = AuthenticatedUser(name: "system:kube-controller-manager", groups: [AuthenticatedUser.allAuthenticated])

    /// The writes of the volume binder and the built-in local-path provisioner are allowed to their service
    /// accounts; neither a kubelet nor the controller manager's own identity can make a volume.
    @Test func storageControllersHoldTheirRoles() async throws {
        let server = try await TestServer()
        let binder = Self.controller("persistent-volume-binder")
        let provisioner = Self.controller("local-path-provisioner-service-account")
        let kubelet = AuthenticatedUser(name: "system:node:n1", groups: ["system:nodes", AuthenticatedUser.allAuthenticated])
        let volume: JSON = ["apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": "pvc-1"],
                            "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "hostPath": ["path": "/tmp/pvc-1"]]]
        #expect(await send(server, "POST", "/api/v1/persistentvolumes", as: kubelet, body: volume).status == 403)
        #expect(await send(server, "POST", "/api/v1/persistentvolumes", as: Self.manager, body: volume).status == 403)
        #expect(await send(server, "POST", "/api/v1/persistentvolumes", as: provisioner, body: volume).status == 201)
        let claim: JSON = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"],
                           "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]
        #expect(await send(server, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", as: Self.admin, body: claim).status == 201)
        var stored = try #require(await send(server, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/data", as: binder).json)
        stored[path: ["spec", "volumeName"]] = "pvc-1"
        #expect(await send(server, "PUT", "/api/v1/namespaces/default/persistentvolumeclaims/data", as: Self.manager, body: stored).status == 403)
        let updated = await send(server, "PUT", "/api/v1/namespaces/default/persistentvolumeclaims/data", as: binder, body: stored)
        #expect(updated.status == 200)
        var bound = try #require(updated.json)
        bound["status"] = ["phase": "Bound"]
        #expect(await send(server, "PUT", "/api/v1/namespaces/default/persistentvolumeclaims/data/status", as: binder, body: bound).status == 200)
        #expect(await send(server, "DELETE", "/api/v1/persistentvolumes/pvc-1", as: binder).status == 200)
        #expect(await send(server, "GET", "/apis/storage.k8s.io/v1/storageclasses", as: provisioner).status == 200)
    }

    /// Issue 17: the controller manager's own identity holds upstream's `system:kube-controller-manager` role
    /// only: it lists and watches everything and makes its controllers' accounts and tokens, but cannot
    /// delete a Namespace (only the garbage collector's account can delete arbitrary objects).
    @Test func theControllerManagersOwnIdentityCannotDeleteANamespace() async throws {
        let server = try await TestServer()
        let ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "victim"]]
        #expect(await send(server, "POST", "/api/v1/namespaces", as: Self.admin, body: ns).status == 201)
        let refused = await send(server, "DELETE", "/api/v1/namespaces/victim", as: Self.manager)
        #expect(refused.status == 403)
        #expect(refused.json?["message"]?.string?.contains("User \"system:kube-controller-manager\" cannot delete resource \"namespaces\"") == true)
        #expect(await send(server, "GET", "/api/v1/pods", as: Self.manager).status == 200)
        let account: JSON = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "job-controller"]]
        #expect(await send(server, "POST", "/api/v1/namespaces/kube-system/serviceaccounts", as: Self.manager, body: account).status == 201)
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "busybox"]]]]
        #expect(await send(server, "POST", "/api/v1/namespaces/default/pods", as: Self.manager, body: pod).status == 403)
        #expect(await send(server, "POST", "/api/v1/namespaces/default/pods", as: Self.controller("replicaset-controller"), body: pod).status == 201)
        #expect(await send(server, "DELETE", "/api/v1/namespaces/victim", as: Self.controller("replicaset-controller")).status == 403)
        #expect(await send(server, "DELETE", "/api/v1/namespaces/victim", as: Self.controller("generic-garbage-collector")).status == 200)
        // The separate taint-eviction controller has upstream's role.
        #expect(await send(server, "DELETE", "/api/v1/namespaces/default/pods/p", as: Self.controller("taint-eviction-controller")).status == 200)
    }

    /// A cluster made by an earlier version holds `skiff:controller-manager:<controller>` bindings to the
    /// manager's identity and the provisioner's binding to it: the bootstrap reconciler takes them out,
    /// but leaves a binding pinned with `autoupdate: "false"` and one an administrator made.
    @Test func theBootstrapReconcilerRetiresTheManagersUnionBindings() async throws {
        let server = try await TestServer()
        let bindings = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
        func binding(_ name: String, role: String, bootstrap: Bool, autoupdate: String = "true") -> JSON {
            var meta: JSON = ["name": .string(name), "annotations": ["rbac.authorization.kubernetes.io/autoupdate": .string(autoupdate)]]
            if bootstrap { meta["labels"] = ["kubernetes.io/bootstrapping": "rbac-defaults"] }
            return ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta,
                    "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(role)],
                    "subjects": [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "system:kube-controller-manager"]]]
        }
        for b in [binding("skiff:controller-manager:generic-garbage-collector", role: "system:controller:generic-garbage-collector", bootstrap: true),
                  binding("skiff:controller-manager:job-controller", role: "system:controller:job-controller", bootstrap: true, autoupdate: "false"),
                  binding("skiff:controller-manager:mine", role: "system:controller:job-controller", bootstrap: false)] {
            #expect(await send(server, "POST", bindings, as: Self.admin, body: b).status == 201)
        }
        var local = try #require(await send(server, "GET", bindings + "/local-path-provisioner-bind", as: Self.admin).json)
        local["subjects"] = .array((local["subjects"]?.array ?? []) + [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "system:kube-controller-manager"]])
        #expect(await send(server, "PUT", bindings + "/local-path-provisioner-bind", as: Self.admin, body: local).status == 200)
        let before: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "before"]]
        #expect(await send(server, "POST", "/api/v1/namespaces", as: Self.admin, body: before).status == 201)
        #expect(await send(server, "DELETE", "/api/v1/namespaces/before", as: Self.manager).status == 200)

        try await server.handler.reconcileBootstrapPolicy()

        #expect(await send(server, "GET", bindings + "/skiff:controller-manager:generic-garbage-collector", as: Self.admin).status == 404)
        #expect(await send(server, "GET", bindings + "/skiff:controller-manager:job-controller", as: Self.admin).status == 200)
        #expect(await send(server, "GET", bindings + "/skiff:controller-manager:mine", as: Self.admin).status == 200)
        let after = try #require(await send(server, "GET", bindings + "/local-path-provisioner-bind", as: Self.admin).json)
        let subjects = (after["subjects"]?.array ?? []).map { [$0["kind"]?.string, $0["name"]?.string, $0["namespace"]?.string] }
        #expect(subjects == [["ServiceAccount", "local-path-provisioner-service-account", "kube-system"]])
        let ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "other"]]
        #expect(await send(server, "POST", "/api/v1/namespaces", as: Self.admin, body: ns).status == 201)
        #expect(await send(server, "DELETE", "/api/v1/namespaces/other", as: Self.manager).status == 403)
    }
}

@Suite struct ClusterRoleAggregationTests {
    @Test func gathersMatchingRolesRulesOnceInNameOrder() {
        let view: JSON = ["metadata": ["name": "view"], "aggregationRule": ["clusterRoleSelectors": [["matchLabels": ["agg": "view"]]]]]
        let b: JSON = ["metadata": ["name": "b", "labels": ["agg": "view"]], "rules": [["verbs": ["get"], "apiGroups": [""], "resources": ["pods"]]]]
        let a: JSON = ["metadata": ["name": "a", "labels": ["agg": "view"]],
                       "rules": [["verbs": ["list"], "apiGroups": [""], "resources": ["pods"]], ["verbs": ["get"], "apiGroups": [""], "resources": ["pods"]]]]
        let c: JSON = ["metadata": ["name": "c"], "rules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]]]
        let rules = ClusterRoleAggregation.rules(of: view, from: [view, b, c, a])
        #expect(rules == [["verbs": ["list"], "apiGroups": [""], "resources": ["pods"]], ["verbs": ["get"], "apiGroups": [""], "resources": ["pods"]]])
        #expect(ClusterRoleAggregation.rules(of: c, from: [view, a, b, c]) == nil)
    }
}
