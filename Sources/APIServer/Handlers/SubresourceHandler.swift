import APIMachinery
import Foundation
import Registry

/// Subresources that are not a plain view of the object: scale, binding, and the streaming ones (eviction: EvictionHandler).
extension APIHandler {
    /// `autoscaling/v1 Scale` view of a Deployment, ReplicaSet, StatefulSet or ReplicationController: read it, or write `spec.replicas` through it.
    func scale(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        func scaleOf(_ obj: JSON) -> JSON {
            var selector = ""
            if let ml = obj[path: ["spec", "selector", "matchLabels"]]?.stringMap {
                selector = ml.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            } else if obj["apiVersion"]?.string == "v1", let map = obj[path: ["spec", "selector"]]?.stringMap {
                // A ReplicationController's selector is a plain map.
                selector = map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
            return [
                "kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": [
                    "name": .string(name), "namespace": obj["metadata"]?["namespace"] ?? "",
                    "uid": obj["metadata"]?["uid"] ?? "", "resourceVersion": obj["metadata"]?["resourceVersion"] ?? "",
                    "creationTimestamp": obj["metadata"]?["creationTimestamp"] ?? .null,
                ],
                "spec": ["replicas": obj[path: ["spec", "replicas"]] ?? 1],
                "status": ["replicas": obj[path: ["status", "replicas"]] ?? 0, "selector": .string(selector)],
            ]
        }
        switch ctx.request.method {
        case "GET":
            return .json(scaleOf(try await ctx.store.get(namespace: ctx.namespace, name: name)))
        case "PUT", "PATCH":
            let body = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
            let isPatch = ctx.request.method == "PATCH"
            let mainCtx = RequestContext(request: ctx.request, ri: RequestInfo(group: ctx.ri.group, version: ctx.ri.version, resource: ctx.ri.resource, namespace: ctx.ri.namespace, name: name), info: ctx.info, store: ctx.store, strategy: ctx.strategy)
            let contentType = ctx.request.contentType
            let result = try await writeUpdate(mainCtx, name: name, retryOnConflict: true) { current in
                var s = scaleOf(current)
                if isPatch {
                    switch contentType {
                    case "application/json-patch+json":
                        do { s = try JSONPatch.apply(body, to: s) } catch let e as PatchError { throw e.apiError }
                    default: s = Adapters.mergePatch(body, to: s)
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
                    throw APIError.invalid(kind: "Scale", name: name, group: "autoscaling", errors: [.invalid("spec.replicas", number: replicas, "must be greater than or equal to 0")])
                }
                var next = current
                next[path: ["spec", "replicas"]] = .int(replicas)
                return next
            }
            return .json(scaleOf(result))
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    /// `pods/binding`: the scheduler's write of `spec.nodeName` (upstream's BindingREST).
    func bind(_ ctx: RequestContext, podName: String) async throws -> APIResponse {
        let binding = try ctx.request.decodeBody(apiVersion: ctx.info.apiVersion, kind: ctx.info.kind)
        guard let node = binding[path: ["target", "name"]]?.string, !node.isEmpty else {
            throw APIError.invalid(kind: "Binding", name: podName, group: "", errors: [.required("target.name")])
        }
        if ctx.request.isDryRun { return .json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201) }
        _ = try await ctx.store.guaranteedUpdate(namespace: ctx.namespace, name: podName) { pod in
            if pod.metaDeletionTimestamp != nil {
                throw APIError.conflict("pods", name: podName, group: "", resource: "pods", detail: "pod \(podName) is being deleted, cannot be assigned to a host")
            }
            if let existing = pod[path: ["spec", "nodeName"]]?.string, !existing.isEmpty {
                throw APIError.conflict("pods", name: podName, group: "", resource: "pods", detail: "pod \(podName) is already assigned to node \"\(existing)\"")
            }
            var next = pod
            next[path: ["spec", "nodeName"]] = .string(node)
            var conditions = next[path: ["status", "conditions"]]?.array ?? []
            conditions.removeAll { $0["type"]?.string == "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(RFC3339.time())])
            next[path: ["status", "conditions"]] = .array(conditions)
            return next
        }
        return .json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
    }
}
