import APIMachinery
import Foundation
import Registry

/// Subresources that are not a plain view of the object: binding (scale: ScaleSubresource), and the streaming ones (eviction: EvictionHandler).
extension APIHandler {
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
