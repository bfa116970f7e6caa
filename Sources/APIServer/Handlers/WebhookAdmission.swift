import APIMachinery
import Foundation
import Registry

/// The admission webhooks the cluster has, in upstream's order: configurations sorted by name, each
/// configuration's webhooks in the order it lists them.
struct AdmissionWebhookSet: Sendable {
    var mutating: [AdmissionWebhook] = []
    var validating: [AdmissionWebhook] = []

    static func load(mutating: ResourceStore?, validating: ResourceStore?) async -> AdmissionWebhookSet {
        func configurations(_ store: ResourceStore?) async -> [JSON] {
            guard let store, let page = try? await store.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil) else { return [] }
            return page.items.sorted { ($0.metaName ?? "") < ($1.metaName ?? "") }
        }
        return AdmissionWebhookSet(
            mutating: await configurations(mutating).flatMap { AdmissionWebhook.all(in: $0, phase: .mutating) },
            validating: await configurations(validating).flatMap { AdmissionWebhook.all(in: $0, phase: .validating) })
    }
}

/// Upstream's MutatingAdmissionWebhook (last of the mutating plugins) and ValidatingAdmissionWebhook (before
/// ResourceQuota) as the create, update and delete paths call them. With no webhook configured they cost
/// one look at a cached snapshot.
extension APIHandler {
    static let mutatingWebhookPlugin = "MutatingAdmissionWebhook"
    static let validatingWebhookPlugin = "ValidatingAdmissionWebhook"

    /// Lets the mutating webhooks change `obj` (nil for a delete, which they may see but not change).
    func admitMutatingWebhooks(_ ctx: RequestContext, _ obj: inout JSON, old: JSON?, operation: AdmissionAttributes.Operation) async throws {
        let hooks = await admissionWebhooks.current().mutating
        guard !hooks.isEmpty else { return }
        var a = admissionAttributes(ctx, operation, object: obj, old: old)
        guard !a.isExemptFromWebhooks else { return }
        if operation == .create {
            // Upstream fills these after mutating admission (BeforeCreate): mutating webhooks see neither.
            a.object?[path: ["metadata", "uid"]] = nil
            a.object?[path: ["metadata", "creationTimestamp"]] = nil
        }
        let labels = try await webhookNamespaceLabels(a)
        var effects = WebhookDispatcher.Effects()
        let strategy = ctx.strategy
        try await webhookDispatcher.mutate(&a, hooks: hooks, namespaceLabels: labels, redefault: { strategy.applyDefaults(&$0) }, effects: &effects)
        record(ctx, Self.mutatingWebhookPlugin, effects)
        if let mutated = a.object { obj = mutated }
    }

    func admitValidatingWebhooks(_ ctx: RequestContext, _ obj: JSON?, old: JSON?, operation: AdmissionAttributes.Operation) async throws {
        let hooks = await admissionWebhooks.current().validating
        guard !hooks.isEmpty else { return }
        let a = admissionAttributes(ctx, operation, object: obj, old: old)
        guard !a.isExemptFromWebhooks else { return }
        let labels = try await webhookNamespaceLabels(a)
        var effects = WebhookDispatcher.Effects()
        defer { record(ctx, Self.validatingWebhookPlugin, effects) }
        try await webhookDispatcher.validate(a, hooks: hooks, namespaceLabels: labels, effects: &effects)
    }

    /// Both webhook phases for a delete: the stored object is the old object; there is no new one.
    func admitDeleteWebhooks(_ ctx: RequestContext, _ current: JSON) async throws {
        var none = JSON.null
        try await admitMutatingWebhooks(ctx, &none, old: current, operation: .delete)
        try await admitValidatingWebhooks(ctx, nil, old: current, operation: .delete)
    }

    private func record(_ ctx: RequestContext, _ plugin: String, _ effects: WebhookDispatcher.Effects) {
        ctx.admissionWarnings.set(plugin, effects.warnings)
        if !effects.auditAnnotations.isEmpty { ctx.request.audit?.annotate(effects.auditAnnotations) }
    }

    func admissionAttributes(_ ctx: RequestContext, _ operation: AdmissionAttributes.Operation, object: JSON?, old: JSON?) -> AdmissionAttributes {
        let isNamespace = ctx.info.group.isEmpty && ctx.info.resource == "namespaces"
        let name = (object?.isNull == false ? object?.metaName : nil) ?? old?.metaName ?? ""
        return AdmissionAttributes(
            operation: operation, group: ctx.info.group, version: ctx.info.version, resource: ctx.info.resource,
            subresource: ctx.ri.subresource ?? "", kind: ctx.info.kind, name: name,
            namespace: isNamespace ? name : (ctx.info.namespaced ? ctx.ri.namespace ?? "" : ""),
            object: object?.isNull == false ? object : nil, oldObject: old, dryRun: ctx.request.isDryRun,
            user: ctx.request.userInfo, options: Self.operationOptions(ctx.request, operation))
    }

    /// The CreateOptions, UpdateOptions or DeleteOptions the request carried, as upstream puts them in the review.
    static func operationOptions(_ request: APIRequest, _ operation: AdmissionAttributes.Operation) -> JSON {
        let kind: String
        switch operation {
        case .create: kind = "CreateOptions"
        case .update: kind = "UpdateOptions"
        case .delete: kind = "DeleteOptions"
        case .connect: return .null
        }
        var options: JSON = ["kind": .string(kind), "apiVersion": "meta.k8s.io/v1"]
        if request.isDryRun { options["dryRun"] = ["All"] }
        if operation == .delete {
            if let g = request.query["gracePeriodSeconds"], let n = Int64(g) { options["gracePeriodSeconds"] = .int(n) }
            if let p = request.query["propagationPolicy"] { options["propagationPolicy"] = .string(p) }
        } else {
            if let m = request.query["fieldManager"], !m.isEmpty { options["fieldManager"] = .string(m) }
            if let v = request.query["fieldValidation"], !v.isEmpty { options["fieldValidation"] = .string(v) }
        }
        return options
    }

    /// The labels `namespaceSelector` is matched against (upstream's namespace matcher): a Namespace's own
    /// (from the request when it is being created or updated), the request's namespace's, or nil for
    /// other cluster-scoped objects, which a namespaceSelector never exempts.
    func webhookNamespaceLabels(_ a: AdmissionAttributes) async throws -> [String: String]? {
        if a.isNamespaceObject {
            let subject = (a.operation == .create || a.operation == .update) ? a.object : a.oldObject
            return subject?[path: ["metadata", "labels"]]?.stringMap ?? [:]
        }
        guard !a.namespace.isEmpty else { return nil }
        let ns = try await namespaces.getIfExists(namespace: nil, name: a.namespace)
        return ns?[path: ["metadata", "labels"]]?.stringMap ?? [:]
    }

    /// Upstream's endpoint service resolver (kube-apiserver with `--enable-aggregator-routing`): a webhook
    /// Service is reached at one of its ready endpoints, on the port named like the Service port the webhook
    /// names. Skiff routes this way rather than through the ClusterIP because a node's namespace has a route
    /// to every pod but none to the Service range (no default route: docs/networking.md).
    static func webhookServiceResolver(services: ResourceStore?, endpoints: ResourceStore?) -> DialingWebhookTransport.ServiceResolver {
        { namespace, name, port in
            guard let services, let svc = try? await services.getIfExists(namespace: namespace, name: name) else {
                return .failure(.init(message: "service \(GoQuoting.quote(name)) not found"))
            }
            let type = svc[path: ["spec", "type"]]?.string ?? "ClusterIP"
            guard ["ClusterIP", "NodePort", "LoadBalancer"].contains(type) else {
                return .failure(.init(message: "unsupported service type \(GoQuoting.quote(type))"))
            }
            guard let servicePort = svc[path: ["spec", "ports"]]?.array?.first(where: { $0["port"]?.int == Int64(port) }) else {
                return .failure(.init(message: "no service port \(port) found for service \(GoQuoting.quote(name))"))
            }
            let portName = servicePort["name"]?.string ?? ""
            let subsets = (try? await endpoints?.getIfExists(namespace: namespace, name: name))??[path: ["subsets"]]?.array ?? []
            for subset in subsets {
                let addresses = subset["addresses"]?.array?.compactMap { $0["ip"]?.string } ?? []
                guard let ip = addresses.randomElement(),
                      let p = subset["ports"]?.array?.first(where: { ($0["name"]?.string ?? "") == portName })?["port"]?.int else { continue }
                return .success((ip, Int(p)))
            }
            return .failure(.init(message: "no endpoints available for service \(GoQuoting.quote(name))"))
        }
    }
}
