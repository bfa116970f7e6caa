import APIMachinery
import Foundation
import Registry

/// `metrics.k8s.io/v1beta1`, served by the API server itself from `MetricsStorage` as metrics-server
/// serves it behind the aggregator: NodeMetrics and PodMetrics, get and list, label selectors, one
/// namespace or all. Read-only and not stored; every answer is computed from the last two scrapes.
enum MetricsAPI {
    static let group = "metrics.k8s.io"
    static let version = "v1beta1"
    static let apiVersion = "metrics.k8s.io/v1beta1"
    static let prefix = "/apis/metrics.k8s.io/v1beta1/"

    /// What discovery lists for the group (metrics-server's resources: get and list only).
    static let resources: [ResourceInfo] = [
        ResourceInfo(group: group, version: version, resource: "nodes", kind: "NodeMetrics", namespaced: false, verbs: ["get", "list"]),
        ResourceInfo(group: group, version: version, resource: "pods", kind: "PodMetrics", namespaced: true, verbs: ["get", "list"]),
    ]
    static let groups: [(name: String, versions: [String])] = [(group, [version])]

    /// The APIService upstream's aggregator shows for the group. Served here, it is a local one (no
    /// `service`), as the aggregator's own `v1.apps`-style entries are.
    static func apiService(now: String) -> JSON {
        [
            "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": ["name": "v1beta1.metrics.k8s.io", "labels": ["kube-aggregator.kubernetes.io/automanaged": "onstart"]],
            "spec": ["group": .string(group), "version": .string(version), "groupPriorityMinimum": 100, "versionPriority": 100],
            "status": ["conditions": [[
                "type": "Available", "status": "True", "lastTransitionTime": .string(now),
                "reason": "Local", "message": "Local APIServices are always available",
            ]]],
        ]
    }

    /// metrics-server's quantities: CPU in nanocores (`resource.NewScaledQuantity(n, -9)`), memory in
    /// bytes (`BinarySI`), both in canonical form.
    static func usage(_ u: MetricsUsage) -> JSON {
        ["cpu": .string(Quantity(nanos: Int128(u.nanoCores)).description),
         "memory": .string(Quantity(significand: Int128(u.memoryBytes), exponent: 0, format: .binarySI).description)]
    }

    /// A window as Go's `metav1.Duration` prints it ("15.001s", "1m0.5s").
    static func window(_ seconds: TimeInterval) -> String {
        GoDuration.format(.nanoseconds(Int64((seconds * 1e9).rounded())))
    }
}

extension APIHandler {
    /// Answers a request under `/apis/metrics.k8s.io/v1beta1/`.
    func serveMetrics(_ request: APIRequest, _ ri: RequestInfo) async throws -> APIResponse {
        guard let info = MetricsAPI.resources.first(where: { $0.resource == ri.resource }), ri.subresource == nil,
              info.namespaced || ri.namespace == nil else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        guard request.method == "GET" else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        if request.query.bool("watch") {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(parsing: request.query["labelSelector"] ?? "")
        } catch {
            throw APIError.badRequest("unable to parse requirement: \(error)")
        }
        let fields: FieldSelector
        do {
            fields = try FieldSelector(parsing: request.query["fieldSelector"] ?? "")
        } catch {
            throw APIError.badRequest("\(error)")
        }
        let now = RFC3339.time()
        if info.resource == "nodes" {
            guard let nodes = store("", "nodes") else { throw APIError.internalError("no node store") }
            if let name = ri.name {
                let notFound = APIError(code: 404, reason: "NotFound", message: "nodemetrics.metrics.k8s.io \"\(name)\" not found",
                                        details: ["name": .string(name), "group": "metrics.k8s.io", "kind": "nodes"])
                guard let node = try await nodes.getIfExists(namespace: nil, name: name),
                      let item = nodeMetrics(node, now: now) else { throw notFound }
                return .json(item)
            }
            let all = try await nodes.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil).items
            let items = all.filter { selector.matches($0[path: ["metadata", "labels"]]?.stringMap ?? [:])
                && fields.matches(["metadata.name": $0.metaName ?? ""]) }
                .compactMap { nodeMetrics($0, now: now) }
            return .json(["kind": "NodeMetricsList", "apiVersion": .string(MetricsAPI.apiVersion), "metadata": [:], "items": .array(items)])
        }
        guard let pods = store("", "pods") else { throw APIError.internalError("no pod store") }
        if let name = ri.name {
            let namespace = ri.namespace ?? "default"
            let notFound = APIError(code: 404, reason: "NotFound", message: "podmetrics.metrics.k8s.io \"\(namespace)/\(name)\" not found",
                                    details: ["name": .string("\(namespace)/\(name)"), "group": "metrics.k8s.io", "kind": "pods"])
            guard let pod = try await pods.getIfExists(namespace: namespace, name: name),
                  let item = podMetrics(pod, now: now) else { throw notFound }
            return .json(item)
        }
        let all = try await pods.list(namespace: ri.namespace, filter: nil, limit: 0, continueToken: nil, revision: nil).items
        let items = all.filter { pod in
            selector.matches(pod[path: ["metadata", "labels"]]?.stringMap ?? [:])
                && fields.matches(["metadata.name": pod.metaName ?? "", "metadata.namespace": pod.metaNamespace ?? ""])
        }.compactMap { podMetrics($0, now: now) }
        return .json(["kind": "PodMetricsList", "apiVersion": .string(MetricsAPI.apiVersion), "metadata": [:], "items": .array(items)])
    }

    /// A node's NodeMetrics, or nil before it has two scrapes.
    func nodeMetrics(_ node: JSON, now: String) -> JSON? {
        guard let name = node.metaName, let usage = resourceMetrics.nodeUsage(name) else { return nil }
        var meta: JSON = ["name": .string(name), "creationTimestamp": .string(now)]
        if let labels = node[path: ["metadata", "labels"]], labels.isObject { meta["labels"] = labels }
        return ["kind": "NodeMetrics", "apiVersion": .string(MetricsAPI.apiVersion), "metadata": meta,
                "timestamp": .string(RFC3339.time(usage.timestamp)), "window": .string(MetricsAPI.window(usage.window)),
                "usage": MetricsAPI.usage(usage)]
    }

    /// A pod's PodMetrics (its containers in spec order), or nil when it has none (not running, or not
    /// yet scraped).
    func podMetrics(_ pod: JSON, now: String) -> JSON? {
        guard let name = pod.metaName, let namespace = pod.metaNamespace,
              let nodeName = pod[path: ["spec", "nodeName"]]?.string, !nodeName.isEmpty,
              pod[path: ["status", "phase"]]?.string == "Running",
              let containers = resourceMetrics.podUsage(namespace: namespace, pod: name, node: nodeName), !containers.isEmpty else { return nil }
        let order = (pod[path: ["spec", "containers"]]?.array ?? []).compactMap { $0["name"]?.string }
        let sorted = containers.sorted { (order.firstIndex(of: $0.container) ?? Int.max, $0.container) < (order.firstIndex(of: $1.container) ?? Int.max, $1.container) }
        // metrics-server: the pod's timestamp is its earliest container's, its window the longest.
        let timestamp = sorted.map(\.usage.timestamp).min() ?? Date()
        let window = sorted.map(\.usage.window).max() ?? 0
        var meta: JSON = ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(now)]
        if let labels = pod[path: ["metadata", "labels"]], labels.isObject { meta["labels"] = labels }
        return ["kind": "PodMetrics", "apiVersion": .string(MetricsAPI.apiVersion), "metadata": meta,
                "timestamp": .string(RFC3339.time(timestamp)), "window": .string(MetricsAPI.window(window)),
                "containers": .array(sorted.map { ["name": .string($0.container), "usage": MetricsAPI.usage($0.usage)] })]
    }
}
