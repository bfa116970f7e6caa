import Foundation
import Prometheus

/// The API server's `/metrics`, under upstream's names and labels (k8s.io/apiserver/pkg/endpoints/metrics),
/// so that `kubectl get --raw /metrics` and dashboards read as on a kind cluster:
/// `apiserver_request_total` and `apiserver_request_duration_seconds` by verb, group, version, resource,
/// subresource, scope and (for the total) code, and `apiserver_storage_objects` per resource.
public final class APIServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Upstream's buckets for request latency.
    static let durationBuckets: [Double] = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]

    public init() {}

    /// What upstream's labels say of one request.
    struct RequestLabels: Equatable {
        var verb: String
        var group = ""
        var version = ""
        var resource = ""
        var subresource = ""
        var scope = ""
        var dryRun = ""
    }

    /// Upstream's `CleanVerb` and scope: LIST and WATCH for collection reads, APPLY for server-side apply,
    /// DELETECOLLECTION; scope `resource` (a named object), `namespace` or `cluster`.
    static func labels(_ request: APIRequest) -> RequestLabels {
        let path = request.path
        guard let info = RequestInfo(path: path) else { return RequestLabels(verb: request.method) }
        var l = RequestLabels(verb: request.method, group: info.group, version: info.version, resource: info.resource,
                              subresource: info.subresource ?? "")
        let named = info.name != nil
        switch request.method {
        case "GET":
            if request.query.bool("watch") { l.verb = "WATCH" } else if !named { l.verb = "LIST" }
        case "PATCH":
            if request.contentType == "application/apply-patch+yaml" { l.verb = "APPLY" }
        case "DELETE":
            if !named { l.verb = "DELETECOLLECTION" }
        default:
            break
        }
        l.scope = named ? "resource" : (info.namespace != nil ? "namespace" : "cluster")
        if !request.query.all("dryRun").isEmpty { l.dryRun = request.query.all("dryRun").sorted().joined(separator: ",") }
        return l
    }

    static var requestTotal: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "apiserver", metricName: "request", unitName: "total",
        helpText: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.") }
    static var requestDuration: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "apiserver", metricName: "request_duration", unitName: "seconds",
        helpText: "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.") }
    static var storageObjects: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "apiserver", metricName: "storage", unitName: "objects",
        helpText: "Number of stored objects at the time of last check split by kind.") }

    static var currentInflight: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "apiserver", metricName: "current_inflight", unitName: "requests",
        helpText: "Maximal number of currently used inflight request limit of this apiserver per request kind in last second.") }

    /// `apiserver_current_inflight_requests{request_kind="readOnly"|"mutating"}`: the budgets' use now.
    func recordInflight(readOnly: Int, mutating: Int) {
        registry.makeGauge(descriptor: Self.currentInflight, labels: [("request_kind", "readOnly")]).set(Double(readOnly))
        registry.makeGauge(descriptor: Self.currentInflight, labels: [("request_kind", "mutating")]).set(Double(mutating))
    }

    /// Counts a served request and, unless it is long-running (a watch, logs, exec), its latency.
    func observe(_ request: APIRequest, status: Int, seconds: Double, longRunning: Bool) {
        let l = Self.labels(request)
        var pairs = [("component", "apiserver"), ("dry_run", l.dryRun), ("group", l.group), ("resource", l.resource),
                     ("scope", l.scope), ("subresource", l.subresource), ("verb", l.verb), ("version", l.version)]
        if !longRunning && l.verb != "WATCH" {
            registry.makeValueHistogram(descriptor: Self.requestDuration, labels: pairs, buckets: Self.durationBuckets).record(seconds)
        }
        pairs.insert(("code", String(status)), at: 0)
        registry.makeCounter(descriptor: Self.requestTotal, labels: pairs).increment()
    }

    /// The text exposition, with `apiserver_storage_objects` set from `storedObjects` (resource → count;
    /// upstream's label is `resource` for core and `resource.group` otherwise).
    func render(storedObjects: [String: Int]) -> String {
        for (resource, count) in storedObjects {
            registry.makeGauge(descriptor: Self.storageObjects, labels: [("resource", resource)]).set(Double(count))
        }
        return registry.emitToString()
    }
}
