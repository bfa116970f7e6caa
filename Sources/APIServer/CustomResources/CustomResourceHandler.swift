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
            if customResources.isTerminating(custom.crdName) {
                // Upstream's MethodNotSupported with the message replaced, details naming group and resource.
                throw APIError(code: 405, reason: "MethodNotAllowed", message: "create not allowed while custom resource definition is terminating",
                               details: ["group": .string(info.group), "kind": .string(info.resource)])
            }
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
            guard let scale = custom.scale else { throw notFound }
            response = try await serveScale(ctx, name: name, mapping: .custom(scale))
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
}
