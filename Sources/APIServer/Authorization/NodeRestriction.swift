import APIMachinery
import Foundation

/// Upstream's NodeRestriction admission plugin: what the Node authorizer lets every kubelet do (write
/// nodes and pods), narrowed to the kubelet's own node — its Node object, mirror pods bound to it, and the
/// status, deletion and eviction of pods bound to it.
extension APIHandler {
    func admitNodeRequest(_ request: APIRequest) async throws {
        guard let user = request.userInfo, let node = NodeAuthorizer.nodeName(of: user), !node.isEmpty,
              ["POST", "PUT", "PATCH", "DELETE"].contains(request.method),
              let ri = RequestInfo(path: request.path), ri.group.isEmpty
        else { return }
        func forbidden(_ resource: String, _ name: String, _ why: String) -> APIError {
            Forbidden.error(group: "", resource: resource, name: name, why)
        }
        switch ri.resource {
        case "nodes":
            var name = ri.name ?? ""
            if request.method == "POST", name.isEmpty, let body = try? JSON.parse(request.body) { name = body.metaName ?? "" }
            if name != node {
                throw forbidden("nodes", name, "node \"\(node)\" is not allowed to modify node \"\(name)\"")
            }
        case "pods":
            let namespace = ri.namespace ?? ""
            switch (request.method, ri.name, ri.subresource) {
            case ("POST", nil, nil):
                let pod = (try? JSON.parse(request.body)) ?? [:]
                let name = pod.metaName ?? ""
                if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] == nil {
                    throw forbidden("pods", name, "pod does not have \"kubernetes.io/config.mirror\" annotation, node \"\(node)\" can only create mirror pods")
                }
                if pod[path: ["spec", "nodeName"]]?.string != node {
                    throw forbidden("pods", name, "node \"\(node)\" can only create pods with spec.nodeName set to itself")
                }
            case (_, .some(let name), "status"):
                if let bound = await boundNode(namespace: namespace, pod: name), bound != node {
                    throw forbidden("pods", name, "node \"\(node)\" can only update pod status for pods with their own node")
                }
            case ("DELETE", .some(let name), nil):
                if let bound = await boundNode(namespace: namespace, pod: name), bound != node {
                    throw forbidden("pods", name, "node \"\(node)\" can only delete pods with spec.nodeName set to itself")
                }
            case ("POST", .some(let name), "eviction"):
                if let bound = await boundNode(namespace: namespace, pod: name), bound != node {
                    throw forbidden("pods", name, "node \"\(node)\" can only evict pods with spec.nodeName set to itself")
                }
            default:
                break
            }
        default:
            break
        }
    }

    /// The node a pod is bound to ("" when unscheduled), nil when the pod does not exist.
    private func boundNode(namespace: String, pod: String) async -> String? {
        guard let found = await storedObject("", "pods", namespace: namespace, name: pod) else { return nil }
        return found[path: ["spec", "nodeName"]]?.string ?? ""
    }
}
