import Prometheus
import Synchronization

/// The scheduler's `/metrics`, under upstream's names, labels, buckets and help (pkg/scheduler/metrics, all
/// STABLE there), so a kind user's queries work unchanged:
///
/// - `scheduler_schedule_attempts_total{result,profile}` and `scheduler_scheduling_attempt_duration_seconds`
///   (same labels): one per attempt, from the pop to the bind's answer (or the failure), where `result` is
///   `scheduled`, `unschedulable` (no node fits) or `error` (a plugin or the binding failed);
/// - `scheduler_pod_scheduling_attempts`: attempts a pod took, observed when it is bound;
/// - `scheduler_pending_pods{queue}`: `active`, `backoff`, `unschedulable` and `gated`, read from the queue
///   at each scrape.
public final class SchedulerMetrics: Sendable {
    public enum AttemptResult: String, Sendable {
        case scheduled, unschedulable, error
    }

    let registry: PrometheusCollectorRegistry
    let podSchedulingAttempts: ValueHistogram
    /// The running queue's counts, set by `SchedulerService.run()` (none while not leading: all zero).
    private let pendingSource = Mutex<(@Sendable () -> SchedulingQueue.PendingCounts)?>(nil)

    /// `ExponentialBuckets(0.001, 2, 15)`: 1 ms to ~16 s.
    static let attemptDurationBuckets: [Double] = (0..<15).map { 0.001 * Double(1 << $0) }
    /// `ExponentialBuckets(1, 2, 5)`.
    static let attemptsBuckets: [Double] = [1, 2, 4, 8, 16]

    static var scheduleAttempts: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "scheduler", metricName: "schedule_attempts", unitName: "total",
        helpText: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.") }
    static var attemptDuration: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "scheduler", metricName: "scheduling_attempt_duration", unitName: "seconds",
        helpText: "Scheduling attempt latency in seconds (scheduling algorithm + binding)") }
    static var pendingPods: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "scheduler", metricName: "pending_pods", unitName: "",
        helpText: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.") }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        podSchedulingAttempts = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "scheduler", metricName: "pod_scheduling_attempts", unitName: "",
                                             helpText: "Number of attempts to successfully schedule a pod."),
            buckets: Self.attemptsBuckets)
    }

    /// One attempt's end: counts it and its latency under `result` and the profile (the scheduler name).
    public func observeAttempt(_ result: AttemptResult, profile: String, seconds: Double) {
        let labels = [("result", result.rawValue), ("profile", profile)]
        registry.makeCounter(descriptor: Self.scheduleAttempts, labels: labels).increment()
        registry.makeValueHistogram(descriptor: Self.attemptDuration, labels: labels, buckets: Self.attemptDurationBuckets)
            .record(seconds)
    }

    /// A pod bound after `attempts` attempts.
    public func observeScheduled(attempts: Int) {
        podSchedulingAttempts.record(Double(attempts))
    }

    /// Where `scheduler_pending_pods` is read from; nil stops reading (all zero).
    func observeQueue(_ counts: (@Sendable () -> SchedulingQueue.PendingCounts)?) {
        pendingSource.withLock { $0 = counts }
    }

    /// The text exposition, with the pending pods read now.
    public func render() -> String {
        let counts = pendingSource.withLock { $0 }?() ?? SchedulingQueue.PendingCounts()
        for (queue, n) in [("active", counts.active), ("backoff", counts.backoff), ("unschedulable", counts.unschedulable),
                           ("gated", counts.gated)] {
            registry.makeGauge(descriptor: Self.pendingPods, labels: [("queue", queue)]).set(Double(n))
        }
        return registry.emitToString()
    }
}
