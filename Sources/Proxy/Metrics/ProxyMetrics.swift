import Foundation
import Prometheus

/// The proxy's metrics, under upstream kube-proxy's names so dashboards and `kubectl get --raw` habits
/// carry over: network programming latency (change → rules in the kernel), sync durations, failures.
public final class ProxyMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// From an EndpointSlice's `last-change-trigger-time` (or when the proxy saw the change) to the end of
    /// the nft transaction that carried it.
    public let networkProgramming: ValueHistogram
    public let syncDuration: ValueHistogram
    public let fullSyncDuration: ValueHistogram
    public let partialSyncDuration: ValueHistogram
    public let syncFailures: Counter
    public let lastSyncTimestamp: Gauge
    public let lastQueuedTimestamp: Gauge
    /// In-process copies for percentiles.
    public let programmingSamples = LatencySamples()
    public let syncSamples = LatencySamples()

    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 120, 300]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "kubeproxy", metricName: metric, unitName: unit, helpText: help)
        }
        networkProgramming = registry.makeValueHistogram(
            descriptor: name("network_programming_duration", "seconds", "In Cluster Network Programming Latency in seconds"),
            buckets: Self.latencyBuckets)
        syncDuration = registry.makeValueHistogram(
            descriptor: name("sync_proxy_rules_duration", "seconds", "SyncProxyRules latency in seconds"), buckets: Self.latencyBuckets)
        fullSyncDuration = registry.makeValueHistogram(
            descriptor: name("sync_full_proxy_rules_duration", "seconds", "SyncProxyRules latency in seconds for full resyncs"),
            buckets: Self.latencyBuckets)
        partialSyncDuration = registry.makeValueHistogram(
            descriptor: name("sync_partial_proxy_rules_duration", "seconds", "SyncProxyRules latency in seconds for partial resyncs"),
            buckets: Self.latencyBuckets)
        syncFailures = registry.makeCounter(
            descriptor: name("sync_proxy_rules_nftables_sync_failures", "total", "Cumulative proxy nftables sync failures"))
        lastSyncTimestamp = registry.makeGauge(
            descriptor: name("sync_proxy_rules_last_timestamp", "seconds", "The last time proxy rules were successfully synced"))
        lastQueuedTimestamp = registry.makeGauge(
            descriptor: name("sync_proxy_rules_last_queued_timestamp", "seconds", "The last time a sync of proxy rules was queued"))
    }

    public func observeProgramming(_ seconds: Double) {
        networkProgramming.record(seconds)
        programmingSamples.record(seconds)
    }

    public func observeSync(_ seconds: Double, full: Bool) {
        syncDuration.record(seconds)
        (full ? fullSyncDuration : partialSyncDuration).record(seconds)
        syncSamples.record(seconds)
        lastSyncTimestamp.set(Date().timeIntervalSince1970)
    }

    /// The Prometheus text exposition.
    public func render() -> String { registry.emitToString() }
}
