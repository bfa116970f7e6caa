import Prometheus

/// CoreDNS's prometheus plugin metrics (plugin/metrics/vars) for the queries this server answers, so that
/// a kind user's CoreDNS dashboards and `curl :9153/metrics` habits carry over:
/// `coredns_dns_requests_total{server,zone,view,proto,family,type}`,
/// `coredns_dns_responses_total{server,zone,view,rcode,plugin}` and
/// `coredns_dns_request_duration_seconds{server,zone,view}`.
///
/// `zone` is "." as in kind's Corefile (one server block `.:53` holds the kubernetes plugin); `server` is
/// `dns://:<port>`; `view` is empty (no view plugin). `type` is CoreDNS's: the common types by name, the
/// rest "other". `plugin` is "kubernetes" for answers from the cluster zone and empty otherwise.
public final class DNSMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    /// CoreDNS's `plugin.TimeBuckets`: `ExponentialBuckets(0.00025, 2, 16)`, 0.25 ms to ~8 s.
    static let durationBuckets: [Double] = (0..<16).map { 0.00025 * Double(1 << $0) }
    /// The types CoreDNS reports by name (`vars.monitorType`); every other is "other".
    static let namedTypes: Set<String> = ["A", "AAAA", "NS", "PTR", "SRV", "TXT", "CNAME", "SOA", "MX", "ANY"]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "coredns", subsystem: "dns", metricName: "requests", unitName: "total",
        helpText: "Counter of DNS requests made per zone, protocol and family.") }
    static var responses: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "coredns", subsystem: "dns", metricName: "responses", unitName: "total",
        helpText: "Counter of response status codes.") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "coredns", subsystem: "dns", metricName: "request_duration", unitName: "seconds",
        helpText: "Histogram of the time (in seconds) each request took per zone.") }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// CoreDNS's `type` label for a question type (nil: the query could not be read).
    static func typeLabel(_ type: DNSRecordType?) -> String {
        guard let name = type?.description, namedTypes.contains(name) else { return "other" }
        return name
    }

    /// One answered query.
    /// - Parameters:
    ///   - server: `dns://:<port>`.
    ///   - proto: `udp` or `tcp`; `family`: 1 for IPv4 clients, 2 for IPv6.
    func observe(server: String, proto: String, family: Int, served: ClusterResolver.Served, seconds: Double) {
        let common = [("server", server), ("zone", "."), ("view", "")]
        registry.makeCounter(descriptor: Self.requests,
                             labels: common + [("proto", proto), ("family", String(family)), ("type", Self.typeLabel(served.questionType))])
            .increment()
        registry.makeCounter(descriptor: Self.responses,
                             labels: common + [("rcode", served.rcode.description), ("plugin", served.fromZone ? "kubernetes" : "")])
            .increment()
        registry.makeValueHistogram(descriptor: Self.duration, labels: common, buckets: Self.durationBuckets).record(seconds)
    }

    /// The text exposition.
    public func render() -> String { registry.emitToString() }
}
