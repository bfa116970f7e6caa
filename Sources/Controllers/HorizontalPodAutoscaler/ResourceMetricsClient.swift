import APIMachinery
import Client
import Foundation

/// One pod's usage of a resource, in milli-units (millicores, millibytes), over a metrics window.
public struct PodMetric: Sendable, Equatable {
    public var timestamp: Date
    public var window: TimeInterval
    public var value: Int64

    public init(timestamp: Date, window: TimeInterval, value: Int64) {
        self.timestamp = timestamp
        self.window = window
        self.value = value
    }
}

/// Pod metrics by pod name, and the time they were taken (upstream's `PodMetricsInfo`).
public struct PodMetricsInfo: Sendable, Equatable {
    public var metrics: [String: PodMetric]
    public var timestamp: Date

    public init(metrics: [String: PodMetric], timestamp: Date) {
        self.metrics = metrics
        self.timestamp = timestamp
    }
}

/// Where the HPA controller reads resource usage (upstream's `MetricsClient.GetResourceMetric`): the
/// `metrics.k8s.io` API in a cluster, a fake in tests.
public protocol ResourceMetricsClient: Sendable {
    /// The usage of `resource` ("cpu", "memory") of the pods `selector` picks in `namespace`, summed
    /// over their containers, or over only `container` when one is named.
    func resourceMetric(_ resource: String, namespace: String, selector: String, container: String?) async throws -> PodMetricsInfo
}

/// An error whose text is upstream's, shown in Events and conditions.
struct HPAError: Error, CustomStringConvertible, Equatable {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads `metrics.k8s.io/v1beta1` PodMetrics through the API server (upstream's `resourceMetricsClient`).
public struct MetricsAPIClient: ResourceMetricsClient {
    let client: KubeClient
    public init(client: KubeClient) { self.client = client }

    static let podMetrics = ResourcePath(group: "metrics.k8s.io", version: "v1beta1", resource: "pods")

    public func resourceMetric(_ resource: String, namespace: String, selector: String, container: String?) async throws -> PodMetricsInfo {
        let list: JSON
        do {
            list = try await client.list(Self.podMetrics.inNamespace(namespace), query: ["labelSelector": selector])
        } catch {
            throw HPAError("unable to fetch metrics from resource metrics API: \(error)")
        }
        return try Self.decode(list["items"]?.array ?? [], resource: resource, container: container)
    }

    /// upstream's `getPodMetrics` / `getContainerMetrics`: a pod missing the resource in any container is
    /// left out; a named container missing from a pod is an error.
    static func decode(_ items: [JSON], resource: String, container: String?) throws -> PodMetricsInfo {
        guard let first = items.first else { throw HPAError("no metrics returned from resource metrics API") }
        var out: [String: PodMetric] = [:]
        for m in items {
            let name = m[path: ["metadata", "name"]]?.string ?? ""
            let timestamp = m["timestamp"]?.string.flatMap(RFC3339.parse) ?? Date()
            let window = (m["window"]?.string).flatMap(GoDuration.parse).map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0
            let containers = m["containers"]?.array ?? []
            if let container {
                guard let c = containers.first(where: { $0["name"]?.string == container }) else {
                    throw HPAError("failed to get container metrics: container \(container) not present in metrics for pod \(m[path: ["metadata", "namespace"]]?.string ?? "")/\(name)")
                }
                guard let q = c[path: ["usage", resource]].flatMap({ try? Quantity(json: $0) }) else { continue }
                out[name] = PodMetric(timestamp: timestamp, window: window, value: q.milliValue)
                continue
            }
            var sum: Int64 = 0
            var missing = containers.isEmpty
            for c in containers {
                guard let q = c[path: ["usage", resource]].flatMap({ try? Quantity(json: $0) }) else { missing = true; break }
                sum += q.milliValue
            }
            if !missing { out[name] = PodMetric(timestamp: timestamp, window: window, value: sum) }
        }
        let timestamp = first["timestamp"]?.string.flatMap(RFC3339.parse) ?? Date()
        return PodMetricsInfo(metrics: out, timestamp: timestamp)
    }
}
