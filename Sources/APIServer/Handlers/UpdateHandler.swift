import APIMachinery
import Foundation
import Registry

/// PUT and PATCH of an object or its status: both end in `admitUpdate` and a guarded write.
extension APIHandler {
    func update(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        var body = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
        let warnings = try checkFields(ctx, &body)
        try checkTypeMeta(ctx, &body)
        if let bodyName = body.metaName, !bodyName.isEmpty, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        body.metaName = name
        let wantedRV = body.metaResourceVersion.flatMap { $0.isEmpty ? nil : $0 }
        let result = try await writeUpdate(ctx, name: name, retryOnConflict: wantedRV == nil) { current in
            if let wantedRV, wantedRV != current.metaResourceVersion { throw ctx.store.conflict(name) }
            return body
        }
        return try respond(ctx, object: result, warnings: warnings)
    }

    func patch(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        let type = ctx.request.contentType
        let patch = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
        let schema = Adapters.schema(ctx.info, custom: ctx.custom)
        if type == "application/apply-patch+yaml" {
            return try await apply(ctx, name: name, applied: patch)
        }
        if ctx.custom != nil, type == "application/strategic-merge-patch+json" {
            // Custom resources have no Go struct tags to merge by (upstream's crdHandler).
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                           message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        let patchRV = patch[path: ["metadata", "resourceVersion"]]?.string
        var warnings: [String] = []
        let result = try await writeUpdate(ctx, name: name, retryOnConflict: patchRV == nil) { current in
            var base = current
            base["kind"] = .string(ctx.info.kind)
            base["apiVersion"] = .string(ctx.info.apiVersion)
            guard let patchType = PatchType(contentType: type) else { throw APIError.unsupportedMediaType(type) }
            let patched: JSON
            do {
                patched = try patchType.apply(patch, to: base, schema: schema)
            } catch let e as PatchError {
                throw e.apiError
            }
            var checked = patched
            warnings = try self.checkFields(ctx, &checked, isPatch: true)
            if let rv = patched.metaResourceVersion, rv != current.metaResourceVersion {
                throw ctx.store.conflict(name)
            }
            return checked
        }
        return try respond(ctx, object: result, warnings: warnings)
    }

    /// Server-side apply: create when absent, else merge under field ownership rules.
    func apply(_ ctx: RequestContext, name: String, applied body: JSON) async throws -> APIResponse {
        guard let manager = ctx.request.query["fieldManager"], !manager.isEmpty else {
            throw APIError.badRequest("PATCH /apply requests require a field manager")
        }
        var applied = body
        try checkTypeMeta(ctx, &applied)
        if let n = applied.metaName, n != name {
            throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
        let warnings = try checkFields(ctx, &applied)
        let force = ctx.request.query.bool("force")
        if try await ctx.store.getIfExists(namespace: ctx.namespace, name: name) == nil {
            var newObj = try Adapters.serverSideApply(live: nil, applied: applied, manager: manager, force: force, info: ctx.info, custom: ctx.custom)
            newObj.metaName = name
            newObj = try await admitNew(ctx, newObj, recordManager: false)
            if ctx.request.isDryRun { return try respond(ctx, object: newObj, status: 201, warnings: warnings) }
            let created = try await ctx.store.create(newObj)
            return try respond(ctx, object: created, status: 201, warnings: warnings)
        }
        let result = try await writeUpdate(ctx, name: name, retryOnConflict: true, recordManager: false) { current in
            try Adapters.serverSideApply(live: current, applied: applied, manager: manager, force: force, info: ctx.info, custom: ctx.custom)
        }
        return try respond(ctx, object: result, warnings: warnings)
    }

    /// The shared update path: `produce` turns the current object into the requested one; this keeps what
    /// a client may not change, runs the strategy and validation, and writes guarded by resourceVersion.
    func writeUpdate(
        _ ctx: RequestContext, name: String, retryOnConflict: Bool, recordManager: Bool = true,
        _ produce: (JSON) async throws -> JSON
    ) async throws -> JSON {
        let isStatus = ctx.ri.subresource == "status"
        let isFinalize = ctx.ri.subresource == "finalize"
        var dryRunResult: JSON? = nil
        // Node ports a Service update reserved (returned if it fails) and the ones it let go (returned once written).
        var servicePorts: (taken: [Int], freed: [Int]) = ([], [])
        let object: JSON
        do {
            (object, _) = try await ctx.store.guaranteedUpdate(namespace: ctx.namespace, name: name, retryOnConflict: retryOnConflict) { current in
                // A retry after a conflict starts again from the stored object: what the last attempt took goes back.
                for p in servicePorts.taken { await nodePorts.release(p) }
                servicePorts = ([], [])
                var next = try await produce(current)
                // Fields the system owns: a client's (or a webhook's) copy of them is ignored.
                func keepSystemFields(_ next: inout JSON) throws {
                    try checkTypeMeta(ctx, &next)
                    next.metaName = name
                    next.metaNamespace = current.metaNamespace
                    for f in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
                        next[path: ["metadata", f]] = current[path: ["metadata", f]]
                    }
                }
                try keepSystemFields(&next)
                if !isFinalize {
                    // Mutating webhooks see the defaulted object, before the strategy's own update rules (upstream's order).
                    if !isStatus { ctx.strategy.applyDefaults(&next) }
                    try await admitMutatingWebhooks(ctx, &next, old: current, operation: .update)
                    try keepSystemFields(&next)
                }
                if isStatus {
                    ctx.strategy.prepareForStatusUpdate(&next, old: current)
                } else if isFinalize {
                    if let s = ctx.strategy as? NamespaceStrategy {
                        s.prepareForFinalize(&next, old: current)
                    } else {
                        var merged = current
                        merged[path: ["spec", "finalizers"]] = next[path: ["spec", "finalizers"]]
                        next = merged
                    }
                } else {
                    ctx.strategy.applyDefaults(&next)
                    ctx.strategy.prepareForUpdate(&next, old: current)
                    if ctx.info.resource == "services" && ctx.info.group.isEmpty {
                        try keepServiceAllocations(&next, old: current)
                        servicePorts = try await updateServiceNodePorts(&next, old: current)
                    }
                }
                // An unconditional update validates as if it named the stored version (as upstream's store does).
                next.metaResourceVersion = current.metaResourceVersion
                var errors = Adapters.validateMetaUpdate(next, old: current, info: ctx.info)
                if isStatus {
                    if let s = ctx.strategy as? any StatusValidatingStrategy { errors += s.validateStatusUpdate(next, old: current) }
                } else if isFinalize {
                    if let s = ctx.strategy as? NamespaceStrategy { errors += s.validateFinalize(next, old: current) }
                } else {
                    errors += ctx.strategy.validateUpdate(next, old: current)
                }
                if !errors.isEmpty {
                    throw APIError.invalid(kind: ctx.info.kind, name: name, group: ctx.info.group, errors: errors)
                }
                try await checkRBACEscalation(ctx, next, old: current)
                // Validating admission in upstream's plugin order: LimitRanger, then PodSecurity.
                try await validateLimitRanges(ctx, next, old: current)
                try await admitPodSecurity(ctx, next, old: current)
                try await admitValidatingWebhooks(ctx, next, old: current, operation: .update)
                if recordManager {
                    next = Adapters.recordUpdate(old: current, new: next, manager: ctx.fieldManager, info: ctx.info, subresource: ctx.ri.subresource, custom: ctx.custom)
                }
                if ctx.request.isDryRun {
                    dryRunResult = next
                    return nil
                }
                return next
            }
        } catch {
            for p in servicePorts.taken { await nodePorts.release(p) }
            throw error
        }
        if let dryRunResult {
            for p in servicePorts.taken { await nodePorts.release(p) }
            return dryRunResult
        }
        for p in servicePorts.freed { await nodePorts.release(p) }
        // An object being deleted goes once its last finalizer is gone.
        if object.metaDeletionTimestamp != nil, object.metaFinalizers.isEmpty, !isStatus || ctx.info.resource != "pods" {
            if try await finishDeletionIfReady(ctx, object) { return object }
        }
        return object
    }
}
