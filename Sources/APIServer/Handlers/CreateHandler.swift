import APIMachinery
import Foundation
import OpenAPI
import Registry

/// POST: admission of a new object (type meta, metadata, defaulting, validation, allocation) and the write.
extension APIHandler {
    func create(_ ctx: RequestContext) async throws -> APIResponse {
        var obj = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
        let warnings = try checkFields(ctx, &obj)
        obj = try await admitNew(ctx, obj)
        try await admitQuota(ctx, obj)
        if ctx.request.isDryRun { return try respond(ctx, object: obj, status: 201, warnings: warnings) }
        let created: JSON
        do {
            created = try await ctx.store.create(obj)
        } catch {
            await releaseAllocations(ctx.info, obj)
            throw error
        }
        logger.debug("created \(ctx.info.resource) \(created.metaNamespace ?? "")/\(created.metaName ?? "")")
        return try respond(ctx, object: created, status: 201, warnings: warnings)
    }

    /// Checks and fills the type meta of a body against the endpoint it was sent to.
    func checkTypeMeta(_ ctx: RequestContext, _ obj: inout JSON, kind: String? = nil) throws {
        guard obj.isObject else {
            throw APIError.badRequest("the body of the request was not a JSON object")
        }
        let kind = kind ?? ctx.info.kind
        let expected = ctx.info.apiVersion
        if let av = obj["apiVersion"]?.string, !av.isEmpty, av != expected {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(expected))")
        }
        if let k = obj["kind"]?.string, !k.isEmpty, k != kind {
            throw APIError.badRequest("\(k) in version \"\(ctx.info.version)\" cannot be handled as a \(kind): the kind in the data (\(k)) does not match the expected kind (\(kind))")
        }
        obj["apiVersion"] = .string(expected)
        obj["kind"] = .string(kind)
        if obj["metadata"] == nil || obj["metadata"]?.isNull == true { obj["metadata"] = [:] }
        guard obj["metadata"]?.isObject == true else {
            throw APIError.badRequest("\(kind) in version \"\(ctx.info.version)\" cannot be handled as a \(kind): metadata must be an object")
        }
    }

    /// Strict/Warn/Ignore field validation of `obj`, which leaves without the undeclared fields (as upstream's
    /// typed decoding drops them). Returns the Warn-mode warnings; throws 400 under Strict.
    func checkFields(_ ctx: RequestContext, _ obj: inout JSON, isPatch: Bool = false) throws -> [String] {
        guard let mode = FieldValidationDirective(queryValue: ctx.request.query["fieldValidation"]) else {
            throw APIError.badRequest("fieldValidation parameter unsupported: \(ctx.request.query["fieldValidation"] ?? ""); supported values: Ignore, Warn, Strict")
        }
        if let custom = ctx.custom {
            return try checkCustomFields(ctx, custom, &obj, mode: mode, isPatch: isPatch)
        }
        if let typeError = TypeChecker(schema: .shared).firstError(in: obj, group: ctx.info.group, version: ctx.info.version, kind: ctx.info.kind) {
            let kind = ctx.info.kind
            throw APIError.badRequest("\(kind) in version \"\(ctx.info.version)\" cannot be handled as a \(kind): \(typeError)")
        }
        let unknown = Adapters.unknownFields(obj, info: ctx.info)
        guard !unknown.isEmpty else { return [] }
        if mode == .strict {
            if isPatch { throw StrictDecoding.patchError(paths: unknown) }
            throw StrictDecoding.createOrUpdateError(
                bodyKind: obj["kind"]?.string ?? ctx.info.kind, bodyVersion: ctx.info.version, kind: ctx.info.kind, paths: unknown)
        }
        obj = Adapters.prune(obj, info: ctx.info)
        return mode == .warn ? StrictDecoding.warnings(unknown) : []
    }

    /// Everything between decoding and storing a new object.
    func admitNew(_ ctx: RequestContext, _ body: JSON, recordManager: Bool = true) async throws -> JSON {
        var obj = body
        try checkTypeMeta(ctx, &obj)
        if ctx.info.namespaced {
            let urlNS = ctx.ri.namespace ?? ""
            if let ns = obj.metaNamespace, !ns.isEmpty, ns != urlNS {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            obj.metaNamespace = urlNS
        } else {
            obj.metaNamespace = nil
        }
        if let rv = obj.metaResourceVersion, !rv.isEmpty {
            throw APIError.badRequest("resourceVersion should not be set on objects to be created")
        }
        if (obj.metaName ?? "").isEmpty, let gen = obj[path: ["metadata", "generateName"]]?.string, !gen.isEmpty {
            obj.metaName = String(gen.prefix(58)) + Names.randomSuffix()
        }
        var meta = obj["metadata"]!
        meta["uid"] = .string(Names.uid())
        meta["creationTimestamp"] = .string(RFC3339.time())
        meta["deletionTimestamp"] = nil
        meta["deletionGracePeriodSeconds"] = nil
        meta["selfLink"] = nil
        obj["metadata"] = meta

        ctx.strategy.applyDefaults(&obj)
        // Mutating admission runs on the defaulted object, before the strategy's own admission effects.
        if ctx.info.group.isEmpty, ctx.info.resource == "pods" {
            try await admitServiceAccount(&obj, namespace: ctx.ri.namespace ?? "")
        }
        if ctx.info.group.isEmpty, ctx.info.resource == "persistentvolumeclaims" || ctx.info.resource == "persistentvolumes" {
            try await admitStorage(&obj, resource: ctx.info.resource)
        }
        if ctx.info.group == "networking.k8s.io", ctx.info.resource == "ingresses" {
            try await admitIngress(&obj)
        }
        try await admitLimitRangeDefaults(ctx, &obj)
        try await admitMutatingWebhooks(ctx, &obj, old: nil, operation: .create)
        // What the system set is not the webhooks' to change.
        obj[path: ["metadata", "uid"]] = meta["uid"]
        obj[path: ["metadata", "creationTimestamp"]] = meta["creationTimestamp"]
        try checkTypeMeta(ctx, &obj)
        ctx.strategy.prepareForCreate(&obj)
        // Addresses and ports come before validation, as upstream's beginCreate runs before BeforeCreate
        // (a LoadBalancer with externalTrafficPolicy: Local must have its healthCheckNodePort by then);
        // they go back if the object is refused.
        let isService = ctx.info.resource == "services" && ctx.info.group.isEmpty
        if isService {
            obj = try await allocateServiceAddresses(obj, dryRun: ctx.request.isDryRun)
        }
        do {
            var errors = Adapters.validateMeta(obj, info: ctx.info)
            errors += ctx.strategy.validate(obj)
            if !errors.isEmpty {
                throw APIError.invalid(kind: ctx.info.kind, name: obj.metaName ?? "", group: ctx.info.group, errors: errors)
            }
            if ctx.info.namespaced {
                try await checkNamespaceAcceptsContent(ctx.ri.namespace ?? "")
            }
            try await checkRBACEscalation(ctx, obj, old: nil)
            // Validating admission in upstream's plugin order: LimitRanger, then PodSecurity.
            try await validateLimitRanges(ctx, obj, old: nil)
            try await admitPodSecurity(ctx, obj, old: nil)
            try await admitValidatingWebhooks(ctx, obj, old: nil, operation: .create)
        } catch {
            if isService && !ctx.request.isDryRun { await releaseAllocations(ctx.info, obj) }
            throw error
        }
        if recordManager {
            obj = Adapters.recordUpdate(old: nil, new: obj, manager: ctx.fieldManager, info: ctx.info, subresource: nil, custom: ctx.custom)
        }
        return obj
    }

    /// Upstream's NamespaceLifecycle admission: no new objects in a missing or terminating namespace.
    func checkNamespaceAcceptsContent(_ namespace: String) async throws {
        guard let ns = try await namespaces.getIfExists(namespace: nil, name: namespace) else {
            throw APIError.notFound("namespaces", name: namespace, group: "", resource: "namespaces")
        }
        if ns.metaDeletionTimestamp != nil || ns[path: ["status", "phase"]]?.string == "Terminating" {
            throw APIError(
                code: 403, reason: "Forbidden",
                message: "unable to create new content in namespace \(namespace) because it is being terminated",
                details: ["causes": [["reason": "NamespaceTerminating", "message": .string("namespace \(namespace) is being terminated"), "field": "metadata.namespace"]]])
        }
    }
}
