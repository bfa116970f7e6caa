import APIMachinery
import Foundation
import OpenAPI
import Registry

/// Requests for custom resources: the generic verbs over the CRD version's store and strategy, plus the
/// `scale` subresource at the CRD's replica paths.
extension APIHandler {
    func serveCustomResource(_ request: APIRequest, _ ri: RequestInfo, _ custom: CustomResourceServing) async throws -> APIResponse {
        let info = custom.info
        let notFound = APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        if !info.namespaced, ri.namespace != nil { throw notFound }
        if let sub = ri.subresource, !info.hasSubresource(sub) { throw notFound }
        if !ri.rest.isEmpty { throw notFound }
        let ctx = RequestContext(request: request, ri: ri, info: info, store: custom.store(kv: kv), strategy: custom.strategy, custom: custom)
        try validateDryRun(request)
        var response: APIResponse
        switch (request.method, ri.name, ri.subresource) {
        case ("GET", nil, nil):
            response = request.query.bool("watch") ? try await watch(ctx) : try await list(ctx)
        case ("GET", .some(let name), nil):
            response = request.query.bool("watch") ? try await watch(ctx, name: name) : try await get(ctx, name: name)
        case ("POST", nil, nil):
            response = try await create(ctx)
        case ("PUT", .some(let name), nil), ("PUT", .some(let name), "status"):
            response = try await update(ctx, name: name)
        case ("PATCH", .some(let name), nil), ("PATCH", .some(let name), "status"):
            response = try await patch(ctx, name: name)
        case ("DELETE", .some(let name), nil):
            response = try await delete(ctx, name: name)
        case ("DELETE", nil, nil):
            response = try await deleteCollection(ctx)
        case ("GET", .some(let name), "status"):
            response = try await get(ctx, name: name)
        case (_, .some(let name), "scale"):
            response = try await customScale(ctx, custom, name: name)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        if let warning = custom.deprecationWarning {
            response.headers.append(("Warning", "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return response
    }

    /// Strict/Warn/Ignore for a custom resource: unknown fields are what structural pruning removes.
    func checkCustomFields(_ ctx: RequestContext, _ custom: CustomResourceServing, _ obj: inout JSON,
                           mode: FieldValidationDirective, isPatch: Bool) throws -> [String] {
        guard let pruner = custom.strategy.pruner else { return [] }
        let (pruned, unknown) = pruner.prune(obj)
        guard !unknown.isEmpty else { return [] }
        if mode == .strict {
            if isPatch { throw StrictDecoding.patchError(paths: unknown) }
            throw StrictDecoding.createOrUpdateError(
                bodyKind: obj["kind"]?.string ?? ctx.info.kind, bodyVersion: ctx.info.version, kind: ctx.info.kind, paths: unknown)
        }
        obj = pruned
        return mode == .warn ? StrictDecoding.warnings(unknown) : []
    }

    /// `autoscaling/v1 Scale` over the CRD's `specReplicasPath`, `statusReplicasPath` and `labelSelectorPath`.
    func customScale(_ ctx: RequestContext, _ custom: CustomResourceServing, name: String) async throws -> APIResponse {
        guard let scale = custom.scale else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        func path(_ p: String) -> [String] { p.split(separator: ".").map(String.init) }
        func scaleOf(_ obj: JSON) -> JSON {
            var status: JSON = ["replicas": obj[path: path(scale.statusReplicasPath)] ?? 0]
            if let sel = scale.labelSelectorPath, let s = obj[path: path(sel)]?.string { status["selector"] = .string(s) }
            var meta: JSON = [
                "name": .string(name), "uid": obj["metadata"]?["uid"] ?? "", "resourceVersion": obj["metadata"]?["resourceVersion"] ?? "",
                "creationTimestamp": obj["metadata"]?["creationTimestamp"] ?? .null,
            ]
            if let ns = obj.metaNamespace, ctx.info.namespaced { meta["namespace"] = .string(ns) }
            return [
                "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
                "spec": ["replicas": obj[path: path(scale.specReplicasPath)] ?? 0], "status": status,
            ]
        }
        switch ctx.request.method {
        case "GET":
            return .json(scaleOf(try await ctx.store.get(namespace: ctx.namespace, name: name)))
        case "PUT", "PATCH":
            let body = try ctx.request.decodeBody(apiVersion: "autoscaling/v1", kind: "Scale")
            let isPatch = ctx.request.method == "PATCH"
            let contentType = ctx.request.contentType
            let mainCtx = RequestContext(request: ctx.request, ri: RequestInfo(group: ctx.ri.group, version: ctx.ri.version, resource: ctx.ri.resource, namespace: ctx.ri.namespace, name: name),
                                     info: ctx.info, store: ctx.store, strategy: ctx.strategy, custom: custom)
            let result = try await writeUpdate(mainCtx, name: name, retryOnConflict: true) { current in
                var s = scaleOf(current)
                if isPatch {
                    switch contentType {
                    case "application/json-patch+json":
                        do { s = try JSONPatch.apply(body, to: s) } catch let e as PatchError { throw e.apiError }
                    case "application/merge-patch+json": s = Adapters.mergePatch(body, to: s)
                    default: throw APIError.unsupportedMediaType(contentType)
                    }
                } else {
                    if let rv = body.metaResourceVersion, !rv.isEmpty, rv != current.metaResourceVersion {
                        throw ctx.store.conflict(name)
                    }
                    s = body
                }
                guard let replicas = s[path: ["spec", "replicas"]]?.int else {
                    throw APIError.invalid(kind: "Scale", name: name, group: "autoscaling", errors: [.required("spec.replicas")])
                }
                if replicas < 0 {
                    throw APIError.invalid(kind: "Scale", name: name, group: "autoscaling",
                                           errors: [.invalid("spec.replicas", number: replicas, "must be greater than or equal to 0")])
                }
                var next = current
                next[path: path(scale.specReplicasPath)] = .int(replicas)
                return next
            }
            return .json(scaleOf(result))
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }
}
