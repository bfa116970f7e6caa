import APIMachinery
import Foundation
import Registry

/// Dispatch of resource requests to verbs, and the read verbs (get, list).
extension APIHandler {
    func serveResource(_ request: APIRequest, _ ri: RequestInfo) async throws -> APIResponse {
        if Catalog.lookup(group: ri.group, version: ri.version, resource: ri.resource) == nil,
           let custom = customResources.lookup(group: ri.group, version: ri.version, resource: ri.resource) {
            return try await serveCustomResource(request, ri, custom)
        }
        guard let info = Catalog.lookup(group: ri.group, version: ri.version, resource: ri.resource),
            let store = versionedStores[Self.key(info.group, info.version, info.resource)]
        else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if !info.namespaced, ri.namespace != nil {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if let sub = ri.subresource, !info.hasSubresource(sub) {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let ctx = RequestContext(request: request, ri: ri, info: info, store: store, strategy: strategy(info))
        if Self.isReview(info) { return try await review(ctx) }
        if info.group.isEmpty, info.resource == "componentstatuses" { return try await componentStatuses(ctx) }
        try validateDryRun(request)
        switch (request.method, ri.name, ri.subresource) {
        case ("GET", nil, nil):
            return request.query.bool("watch") ? try await watch(ctx) : try await list(ctx)
        case ("GET", .some(let name), nil):
            if request.query.bool("watch") { return try await watch(ctx, name: name) }
            return try await get(ctx, name: name)
        case ("POST", nil, nil):
            return try await create(ctx)
        case ("PUT", .some(let name), nil), ("PUT", .some(let name), "status"), ("PUT", .some(let name), "approval"):
            return try await update(ctx, name: name)
        case ("PATCH", .some(let name), nil), ("PATCH", .some(let name), "status"), ("PATCH", .some(let name), "approval"):
            return try await patch(ctx, name: name)
        case ("DELETE", .some(let name), nil):
            return try await delete(ctx, name: name)
        case ("DELETE", nil, nil):
            return try await deleteCollection(ctx)
        case ("GET", .some(let name), "status"), ("GET", .some(let name), "approval"):
            return try await get(ctx, name: name)
        case (_, .some(let name), "scale"):
            return try await serveScale(ctx, name: name, mapping: .workload)
        case ("POST", .some(let name), "binding"):
            return try await bind(ctx, podName: name)
        case ("POST", .some(let name), "token"):
            return try await tokenRequest(ctx, serviceAccount: name)
        case ("POST", .some(let name), "eviction"):
            return try await evict(ctx, podName: name)
        case ("PUT", .some(let name), "finalize"):
            return try await update(ctx, name: name)
        case (_, .some(let name), .some(let sub)) where ["log", "exec", "attach", "portforward", "proxy"].contains(sub):
            return try await streamingSubresource(ctx, name: name, subresource: sub)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    /// `ValidateDryRun` of the verb's options: only `All` is a dry-run value (422 on
    /// `CreateOptions.meta.k8s.io`, `UpdateOptions`, `PatchOptions` or `DeleteOptions`).
    func validateDryRun(_ request: APIRequest) throws {
        let values = request.query.all("dryRun")
        guard !values.allSatisfy({ $0 == "All" }) else { return }
        let options: String
        switch request.method {
        case "POST": options = "CreateOptions"
        case "PUT": options = "UpdateOptions"
        case "PATCH": options = "PatchOptions"
        case "DELETE": options = "DeleteOptions"
        default: return
        }
        let list = "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
        throw APIError.invalid(kind: options, name: "", group: "meta.k8s.io",
                               errors: [FieldError(.notSupported, "dryRun", value: list, detail: "supported values: \"All\"")])
    }

    // MARK: get

    func get(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        let obj = try await ctx.store.get(namespace: ctx.ri.namespace, name: name)
        return try respond(ctx, object: obj)
    }

    /// One object in the representation the client asked for.
    func respond(_ ctx: RequestContext, object: JSON, status: Int = 200, warnings: [String] = []) throws -> APIResponse {
        let headers = (warnings + ctx.admissionWarnings.all).map { ("Warning", "299 - \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"") }
        switch ResponseFormat.negotiate(ctx.request.header("accept")) {
        case .object:
            return .json(object, status: status, headers: headers)
        case .table(let v):
            let t = try Adapters.table(
                info: ctx.info, objects: [object], includeObject: ctx.request.query["includeObject"] ?? "Metadata",
                listMeta: ["resourceVersion": .string(object.metaResourceVersion ?? "")], version: v, custom: ctx.custom)
            return .json(t, status: status, headers: headers)
        case .partialMetadata(let v):
            return .json(Adapters.partialMetadata(object, version: v), status: status, headers: headers)
        }
    }

    // MARK: list

    func list(_ ctx: RequestContext) async throws -> APIResponse {
        let q = ctx.request.query
        let filter = try Adapters.filter(labelSelector: q["labelSelector"], fieldSelector: q["fieldSelector"], strategy: ctx.strategy)
        var revision: Int64? = nil
        if let rv = q["resourceVersion"], !rv.isEmpty, rv != "0" {
            guard let n = Int64(rv), n > 0 else { throw APIError.badRequest("invalid resource version: \(rv)") }
            if q["resourceVersionMatch"] == "Exact" {
                revision = n
            } else {
                // NotOlderThan: the current state is newer than any revision a client can have seen.
                let current = try await kv.currentRevision()
                if n > current {
                    throw ctx.store.apiError(for: .futureRevision(requested: n, current: current), name: "")
                }
            }
        }
        let page = try await ctx.store.list(
            namespace: ctx.ri.namespace, filter: filter, limit: max(q.int("limit") ?? 0, 0),
            continueToken: q["continue"], revision: revision)
        var listMeta: JSON = ["resourceVersion": .string(String(page.revision))]
        if let c = page.continueToken { listMeta["continue"] = .string(c) }
        switch ResponseFormat.negotiate(ctx.request.header("accept")) {
        case .object:
            let list: JSON = [
                "kind": .string(ctx.info.listKind), "apiVersion": .string(ctx.info.apiVersion),
                "metadata": listMeta, "items": .array(page.items.map { withTypeMeta($0, ctx.info) }),
            ]
            return .json(list)
        case .table(let v):
            return .json(try Adapters.table(
                info: ctx.info, objects: page.items, includeObject: q["includeObject"] ?? "Metadata",
                listMeta: listMeta, version: v, custom: ctx.custom))
        case .partialMetadata(let v):
            return .json([
                "kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(v)"), "metadata": listMeta,
                "items": .array(page.items.map { Adapters.partialMetadata($0, version: v) }),
            ])
        }
    }

    func withTypeMeta(_ o: JSON, _ info: ResourceInfo) -> JSON {
        var out = o
        if out["kind"] == nil { out["kind"] = .string(info.kind) }
        if out["apiVersion"] == nil { out["apiVersion"] = .string(info.apiVersion) }
        return out
    }
}

/// Everything a verb handler needs about the request it serves.
struct RequestContext: Sendable {
    let request: APIRequest
    let ri: RequestInfo
    let info: ResourceInfo
    let store: ResourceStore
    let strategy: any ResourceStrategy
    /// Set when the request addresses a custom resource.
    var custom: CustomResourceServing? = nil
    /// What admission plugins warn about, answered as `Warning` headers by `respond`.
    let admissionWarnings = AdmissionWarnings()

    var namespace: String? { info.namespaced ? ri.namespace : nil }

    /// The field manager of a write: the `fieldManager` parameter, else derived from the user agent
    /// (upstream takes the agent's first path segment, e.g. "kubectl" from "kubectl/v1.32.4 (linux/amd64)").
    var fieldManager: String {
        if let m = request.query["fieldManager"], !m.isEmpty { return m }
        let ua = request.userAgent
        let first = ua.split(separator: "/").first.map(String.init) ?? "unknown"
        return first.isEmpty ? "unknown" : String(first.prefix(128))
    }
}
