import APIMachinery
import Foundation
import PKI
import Registry

/// The create-only review kinds (nothing is stored) and the read-only componentstatuses.
///
/// Authorization answers as upstream's AlwaysAllow authorizer does (everything is allowed) until access
/// control is enforced; TokenReview runs the server's own token authenticators.
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
            obj["status"] = [
                "resourceRules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]],
                "nonResourceRules": [["verbs": ["*"], "nonResourceURLs": ["*"]]],
                "incomplete": false,
            ]
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
            obj["status"] = ["allowed": true]
        }
        return .json(obj, status: 201)
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
