import APIMachinery
import Foundation
import Registry

/// Where a kind keeps what its `autoscaling/v1 Scale` shows: the built-in workloads' fixed
/// `spec.replicas`/`status.replicas`, or a CRD's `specReplicasPath`, `statusReplicasPath` and
/// `labelSelectorPath`. One type, so both kinds of `scale` subresource read, patch and validate alike.
struct ScaleMapping: Sendable {
    var specReplicas: [String]
    var statusReplicas: [String]
    /// What `spec.replicas` reads as when the object has none: a built-in workload's default is 1,
    /// a custom resource's path simply holds nothing (0).
    var defaultSpecReplicas: Int64
    /// `status.selector`, in label-selector string form (nil: the field is left out).
    var selector: @Sendable (JSON) -> String?
    /// Upstream's custom-resource scale takes only JSON and merge patches (strategic is a 415); the
    /// built-in kinds' also take strategic merge and apply patches.
    var acceptsStrategicAndApply: Bool

    /// Deployment, ReplicaSet, StatefulSet, ReplicationController.
    static let workload = ScaleMapping(
        specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"], defaultSpecReplicas: 1,
        selector: { obj in
            if let ml = obj[path: ["spec", "selector", "matchLabels"]]?.stringMap { return labelString(ml) }
            // A ReplicationController's selector is a plain map.
            if obj["apiVersion"]?.string == "v1", let map = obj[path: ["spec", "selector"]]?.stringMap { return labelString(map) }
            return ""
        },
        acceptsStrategicAndApply: true)

    static func custom(_ scale: CustomResourceDefinitionModel.Scale) -> ScaleMapping {
        let selectorPath = scale.labelSelectorPath.map(jsonPath)
        return ScaleMapping(
            specReplicas: jsonPath(scale.specReplicasPath), statusReplicas: jsonPath(scale.statusReplicasPath), defaultSpecReplicas: 0,
            selector: { obj in selectorPath.flatMap { obj[path: $0]?.string } },
            acceptsStrategicAndApply: false)
    }

    /// ".spec.replicas" → ["spec", "replicas"].
    private static func jsonPath(_ p: String) -> [String] { p.split(separator: ".").map(String.init) }

    private static func labelString(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The Scale object of `obj` (metadata in upstream's field order: name, namespace, uid, ...).
    func scale(of obj: JSON, name: String, namespaced: Bool) -> JSON {
        var meta: JSON = ["name": .string(name)]
        if namespaced { meta["namespace"] = obj["metadata"]?["namespace"] ?? "" }
        meta["uid"] = obj["metadata"]?["uid"] ?? ""
        meta["resourceVersion"] = obj["metadata"]?["resourceVersion"] ?? ""
        meta["creationTimestamp"] = obj["metadata"]?["creationTimestamp"] ?? .null
        var status: JSON = ["replicas": obj[path: statusReplicas] ?? 0]
        if let s = selector(obj) { status["selector"] = .string(s) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
            "spec": ["replicas": obj[path: specReplicas] ?? .int(defaultSpecReplicas)], "status": status,
        ]
    }
}

extension APIHandler {
    /// The `scale` subresource: read the Scale view, or write its `spec.replicas` back through a PUT
    /// (optimistic on the Scale's resourceVersion) or a JSON/merge(/strategic) patch of the view.
    func serveScale(_ ctx: RequestContext, name: String, mapping: ScaleMapping) async throws -> APIResponse {
        let namespaced = ctx.info.namespaced
        switch ctx.request.method {
        case "GET":
            return .json(mapping.scale(of: try await ctx.store.get(namespace: ctx.namespace, name: name), name: name, namespaced: namespaced))
        case "PUT", "PATCH":
            let body = try ctx.request.decodeBody(apiVersion: "autoscaling/v1", kind: "Scale")
            let isPatch = ctx.request.method == "PATCH"
            let contentType = ctx.request.contentType
            let mainCtx = RequestContext(request: ctx.request,
                                         ri: RequestInfo(group: ctx.ri.group, version: ctx.ri.version, resource: ctx.ri.resource, namespace: ctx.ri.namespace, name: name),
                                         info: ctx.info, store: ctx.store, strategy: ctx.strategy, custom: ctx.custom)
            let result = try await writeUpdate(mainCtx, name: name, retryOnConflict: true) { current in
                var s = mapping.scale(of: current, name: name, namespaced: namespaced)
                if isPatch {
                    switch contentType {
                    case "application/json-patch+json":
                        do { s = try JSONPatch.apply(body, to: s) } catch let e as PatchError { throw e.apiError }
                    case "application/merge-patch+json":
                        s = Adapters.mergePatch(body, to: s)
                    default:
                        guard mapping.acceptsStrategicAndApply else { throw APIError.unsupportedMediaType(contentType) }
                        // Scale has no lists: a strategic merge (or apply) of the view is a merge patch.
                        s = Adapters.mergePatch(body, to: s)
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
                next[path: mapping.specReplicas] = .int(replicas)
                return next
            }
            return .json(mapping.scale(of: result, name: name, namespaced: namespaced))
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }
}
