import Client
import Prometheus
import Synchronization

/// client-go's workqueue metrics in Prometheus text, as kube-controller-manager's `/metrics` shows them
/// (k8s.io/component-base/metrics/prometheus/workqueue): `workqueue_depth`, `workqueue_adds_total`,
/// `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`, `workqueue_retries_total`,
/// `workqueue_unfinished_work_seconds` and `workqueue_longest_running_processor_seconds`, each labelled
/// with the queue's `name`.
public final class WorkQueuePrometheusMetrics: WorkQueueMetricsProvider, Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The in-progress gauges' refreshers, run before each render (instead of client-go's 500 ms ticker).
    private let refreshers = Mutex<[@Sendable () -> Void]>([])

    /// `ExponentialBuckets(10e-9, 10, 10)`: 10 ns to 10 s.
    static let durationBuckets: [Double] = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static func descriptor(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "workqueue", metricName: metric, unitName: unit, helpText: help)
    }

    static let unfinishedHelp = "How many seconds of work has done that is in progress and hasn't been observed by work_duration. "
        + "Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases."

    public func depthMetric(queue name: String) -> any WorkQueueGaugeMetric {
        GaugeMetric(gauge: registry.makeGauge(descriptor: Self.descriptor("depth", "", "Current depth of workqueue"), labels: [("name", name)]))
    }

    public func addsMetric(queue name: String) -> any WorkQueueCounterMetric {
        CounterMetric(counter: registry.makeCounter(
            descriptor: Self.descriptor("adds", "total", "Total number of adds handled by workqueue"), labels: [("name", name)]))
    }

    public func latencyMetric(queue name: String) -> any WorkQueueHistogramMetric {
        HistogramMetric(histogram: registry.makeValueHistogram(
            descriptor: Self.descriptor("queue_duration", "seconds", "How long in seconds an item stays in workqueue before being requested."),
            labels: [("name", name)], buckets: Self.durationBuckets))
    }

    public func workDurationMetric(queue name: String) -> any WorkQueueHistogramMetric {
        HistogramMetric(histogram: registry.makeValueHistogram(
            descriptor: Self.descriptor("work_duration", "seconds", "How long in seconds processing an item from workqueue takes."),
            labels: [("name", name)], buckets: Self.durationBuckets))
    }

    public func unfinishedWorkSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric {
        GaugeMetric(gauge: registry.makeGauge(descriptor: Self.descriptor("unfinished_work", "seconds", Self.unfinishedHelp), labels: [("name", name)]))
    }

    public func longestRunningProcessorSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric {
        GaugeMetric(gauge: registry.makeGauge(
            descriptor: Self.descriptor("longest_running_processor", "seconds",
                                        "How many seconds has the longest running processor for workqueue been running."),
            labels: [("name", name)]))
    }

    public func retriesMetric(queue name: String) -> any WorkQueueCounterMetric {
        CounterMetric(counter: registry.makeCounter(
            descriptor: Self.descriptor("retries", "total", "Total number of retries handled by workqueue"), labels: [("name", name)]))
    }

    public func queueInstrumented(name: String, refresh: @escaping @Sendable () -> Void) {
        refreshers.withLock { $0.append(refresh) }
    }

    /// The text exposition, with every queue's in-progress gauges brought up to now.
    public func render() -> String {
        for refresh in refreshers.withLock({ $0 }) { refresh() }
        return registry.emitToString()
    }

    struct GaugeMetric: WorkQueueGaugeMetric, WorkQueueSettableGaugeMetric {
        let gauge: Gauge
        func inc() { gauge.increment() }
        func dec() { gauge.decrement() }
        func set(_ value: Double) { gauge.set(value) }
    }

    struct CounterMetric: WorkQueueCounterMetric {
        let counter: Counter
        func inc() { counter.increment() }
    }

    struct HistogramMetric: WorkQueueHistogramMetric {
        let histogram: ValueHistogram
        func observe(_ value: Double) { histogram.record(value) }
    }
}
