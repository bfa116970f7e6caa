import APIMachinery
import Foundation
import PKI
import Registry

/// The create-only review kinds (nothing is stored) and the read-only componentstatuses.
///
/// The access reviews ask the server's authorizer chain (Node, RBAC) about the given user, or the caller
/// for the self reviews; the rules review lists the caller's RBAC rules in a namespace. TokenReview runs
/// the server's own token authenticators.
extension APIHandler {
    static func isReview(_ info: ResourceInfo) -> Bool {
        (info.group == "authentication.k8s.io" || info.group == "authorization.k8s.io") && info.verbs == ["create"]
    }

    func review(_ ctx: RequestContext) async throws -> APIResponse {
        guard ctx.request.method == "POST", ctx.ri.name == nil, ctx.ri.subresource == nil else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        if ctx.info.resource == "selfsubjectreviews" { return try SelfSubjectReview.answer(ctx.request) }
        var obj = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
        _ = try checkFields(ctx, &obj)
        try checkTypeMeta(ctx, &obj)
        var meta = obj["metadata"] ?? [:]
        meta["creationTimestamp"] = .null
        obj["metadata"] = meta
        if obj["spec"] == nil { obj["spec"] = [:] }
        let spec = obj["spec"] ?? [:]
        switch ctx.info.resource {
        case "tokenreviews":
            guard let token = spec["token"]?.string, !token.isEmpty else {
                throw APIError.invalid(kind: ctx.info.kind, name: obj.metaName ?? "", group: ctx.info.group,
                                       errors: [.required("spec.token", "token must be specified")])
            }
            var status: JSON = ["user": [:]]
            if let user = await authenticateToken(token) {
                var u: JSON = ["username": .string(user.name), "groups": .array(user.groups.map(JSON.string))]
                if !user.uid.isEmpty { u["uid"] = .string(user.uid) }
                if !user.extra.isEmpty { u["extra"] = .object(user.extra.mapValues { .array($0.map(JSON.string)) }) }
                status = ["authenticated": true, "user": u, "audiences": spec["audiences"] ?? ["https://kubernetes.default.svc.cluster.local"]]
            }
            obj["status"] = status
        case "selfsubjectrulesreviews":
            let namespace = spec["namespace"]?.string ?? ""
            obj["status"] = await rulesReview(user: reviewer(ctx.request), namespace: namespace)
        default:
            // subjectaccessreviews, localsubjectaccessreviews, selfsubjectaccessreviews.
            if ctx.info.resource == "localsubjectaccessreviews",
                let ns = spec["resourceAttributes"]?["namespace"]?.string, ns != (ctx.ri.namespace ?? "") {
                throw APIError.badRequest("spec.resourceAttributes.namespace must match namespace: \(ctx.ri.namespace ?? "")")
            }
            if ctx.info.resource != "selfsubjectaccessreviews", (spec["user"]?.string ?? "").isEmpty, (spec["groups"]?.array ?? []).isEmpty {
                throw APIError.invalid(kind: ctx.info.kind, name: obj.metaName ?? "", group: ctx.info.group,
                                       errors: [.invalid("spec.user", "", "at least one of user or group must be specified")])
            }
            if spec["resourceAttributes"] == nil && spec["nonResourceAttributes"] == nil {
                throw APIError.invalid(kind: ctx.info.kind, name: obj.metaName ?? "", group: ctx.info.group,
                                       errors: [FieldError(.invalid, "spec.resourceAttributes", value: "null", detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
            }
            let subject: AuthenticatedUser
            if ctx.info.resource == "selfsubjectaccessreviews" {
                subject = reviewer(ctx.request)
            } else {
                subject = AuthenticatedUser(
                    name: spec["user"]?.string ?? "", uid: spec["uid"]?.string ?? "",
                    groups: spec["groups"]?.array?.compactMap(\.string) ?? [],
                    extra: (spec["extra"]?.object ?? [:]).mapValues { $0.array?.compactMap(\.string) ?? [] })
            }
            var attributes: AuthorizationAttributes
            if let r = spec["resourceAttributes"], !r.isNull {
                var namespace = r["namespace"]?.string ?? ""
                if ctx.info.resource == "localsubjectaccessreviews" { namespace = ctx.ri.namespace ?? "" }
                attributes = AuthorizationAttributes(
                    user: subject, verb: r["verb"]?.string ?? "", namespace: namespace, apiGroup: r["group"]?.string ?? "",
                    apiVersion: r["version"]?.string ?? "", resource: r["resource"]?.string ?? "",
                    subresource: r["subresource"]?.string ?? "", name: r["name"]?.string ?? "")
            } else {
                let n = spec["nonResourceAttributes"] ?? [:]
                attributes = .nonResource(user: subject, verb: n["verb"]?.string ?? "", path: n["path"]?.string ?? "")
            }
            let decision = await isAllowed(attributes)
            var status: JSON = ["allowed": .bool(decision.isAllowed)]
            if case .deny = decision { status["denied"] = true }
            if !decision.reason.isEmpty { status["reason"] = .string(decision.reason) }
            obj["status"] = status
        }
        return .json(obj, status: 201)
    }

    /// Who a self review is about: the (possibly impersonated) caller; the administrator on a plain-HTTP
    /// server, where requests carry no user.
    func reviewer(_ request: APIRequest) -> AuthenticatedUser {
        request.userInfo ?? AuthenticatedUser(name: request.user, groups: [PrivilegedGroupAuthorizer.group, AuthenticatedUser.allAuthenticated])
    }

    /// `SelfSubjectRulesReview` status: the rules of the privileged group, the Node authorizer (which
    /// cannot list a kubelet's rules: incomplete) and RBAC, as upstream's union rule resolver gives them.
    func rulesReview(user: AuthenticatedUser, namespace: String) async -> JSON {
        var rules: [PolicyRule] = []
        var errors: [String] = []
        var incomplete = false
        if authorizer == nil || user.groups.contains(PrivilegedGroupAuthorizer.group) {
            rules += [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
        }
        if authorizer != nil {
            if NodeAuthorizer.nodeName(of: user) != nil && config.authorizationModes.contains("Node") {
                incomplete = true
                errors.append("node authorizer does not support user rule resolution")
            }
            let (rbac, rbacErrors) = await rbacPolicy.current().rules(for: user, namespace: namespace)
            rules += rbac
            errors += rbacErrors
            if !rbacErrors.isEmpty { incomplete = true }
        }
        var resourceRules: [JSON] = []
        var nonResourceRules: [JSON] = []
        for r in rules {
            if r.nonResourceURLs.isEmpty {
                var j: JSON = ["verbs": .array(r.verbs.map(JSON.string)), "apiGroups": .array(r.apiGroups.map(JSON.string)),
                               "resources": .array(r.resources.map(JSON.string))]
                if !r.resourceNames.isEmpty { j["resourceNames"] = .array(r.resourceNames.map(JSON.string)) }
                resourceRules.append(j)
            } else {
                nonResourceRules.append(["verbs": .array(r.verbs.map(JSON.string)), "nonResourceURLs": .array(r.nonResourceURLs.map(JSON.string))])
            }
        }
        var status: JSON = ["resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules), "incomplete": .bool(incomplete)]
        if !errors.isEmpty { status["evaluationError"] = .string(RBACAuthorizer.aggregate(errors)) }
        return status
    }

    /// The user a bearer token authenticates as, by the server's token file and service-account keys.
    func authenticateToken(_ token: String) async -> AuthenticatedUser? {
        guard config.isSecure else { return nil }
        let api = self
        guard let authn = try? Authenticator(config: config, lookup: { resource, namespace, name in
            await api.storedObject("", resource, namespace: namespace, name: name)
        }) else { return nil }
        return await authn.authenticate(peerChain: [], authorization: "Bearer \(token)")
    }

    /// `componentstatuses`: the scheduler, controller manager and storage, healthy while the server serves
    /// (upstream probes them; here they are supervised processes and the store is in-process).
    func componentStatuses(_ ctx: RequestContext) async throws -> APIResponse {
        guard ctx.request.method == "GET", ctx.ri.subresource == nil else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        _ = try await kv.currentRevision()
        func item(_ name: String) -> JSON {
            ["kind": "ComponentStatus", "apiVersion": "v1", "metadata": ["name": .string(name), "creationTimestamp": .null],
             "conditions": [["type": "Healthy", "status": "True", "message": "ok"]]]
        }
        let names = ["scheduler", "controller-manager", "etcd-0"]
        let warning = "v1 ComponentStatus is deprecated in v1.19+"
        if let name = ctx.ri.name {
            guard names.contains(name) else { throw ctx.store.notFound(name) }
            return try respond(ctx, object: item(name), warnings: [warning])
        }
        let headers = [("Warning", "299 - \"\(warning)\"")]
        let items = names.map(item)
        switch ResponseFormat.negotiate(ctx.request.header("accept")) {
        case .table(let v):
            return .json(try Adapters.table(info: ctx.info, objects: items, includeObject: ctx.request.query["includeObject"] ?? "Metadata",
                                            listMeta: [:], version: v), headers: headers)
        default:
            return .json(["kind": "ComponentStatusList", "apiVersion": "v1", "metadata": [:], "items": .array(items)], headers: headers)
        }
    }
}
