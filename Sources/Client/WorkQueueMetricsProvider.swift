/// Where a `WorkQueue` reports what it does (client-go's `workqueue.MetricsProvider`): one metric of each
/// kind per named queue, which a Prometheus provider exposes as `workqueue_depth{name=...}` and the rest.
/// A queue given no provider keeps no timestamps and calls nothing: other users (the kubelet's pod
/// workers, tests) pay nothing for the controller manager's `/metrics`.
public protocol WorkQueueMetricsProvider: Sendable {
    func depthMetric(queue name: String) -> any WorkQueueGaugeMetric
    func addsMetric(queue name: String) -> any WorkQueueCounterMetric
    /// Time from add to the `get` that hands the key out.
    func latencyMetric(queue name: String) -> any WorkQueueHistogramMetric
    /// Time from that `get` to `done`.
    func workDurationMetric(queue name: String) -> any WorkQueueHistogramMetric
    func unfinishedWorkSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric
    func longestRunningProcessorSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric
    func retriesMetric(queue name: String) -> any WorkQueueCounterMetric
    /// Called once per instrumented queue with the function that refreshes its two in-progress gauges.
    /// client-go refreshes them on a 500 ms ticker per queue; a provider that renders on demand calls
    /// `refresh` just before each scrape instead, so no timer runs for them.
    func queueInstrumented(name: String, refresh: @escaping @Sendable () -> Void)
}

public protocol WorkQueueGaugeMetric: Sendable {
    func inc()
    func dec()
}

public protocol WorkQueueSettableGaugeMetric: Sendable {
    func set(_ value: Double)
}

public protocol WorkQueueCounterMetric: Sendable {
    func inc()
}

public protocol WorkQueueHistogramMetric: Sendable {
    func observe(_ value: Double)
}

/// One queue's metrics with the timestamps they need (client-go's `defaultQueueMetrics`): when each queued
/// key was added, and when each key being processed was handed out. Used under the queue's lock.
struct WorkQueueMetricsRecorder<Key: Hashable & Sendable>: Sendable {
    let depth: any WorkQueueGaugeMetric
    let adds: any WorkQueueCounterMetric
    let latency: any WorkQueueHistogramMetric
    let workDuration: any WorkQueueHistogramMetric
    let unfinished: any WorkQueueSettableGaugeMetric
    let longestRunning: any WorkQueueSettableGaugeMetric
    let retries: any WorkQueueCounterMetric
    var addTimes: [Key: ContinuousClock.Instant] = [:]
    var processingStartTimes: [Key: ContinuousClock.Instant] = [:]

    init(name: String, provider: any WorkQueueMetricsProvider) {
        depth = provider.depthMetric(queue: name)
        adds = provider.addsMetric(queue: name)
        latency = provider.latencyMetric(queue: name)
        workDuration = provider.workDurationMetric(queue: name)
        unfinished = provider.unfinishedWorkSecondsMetric(queue: name)
        longestRunning = provider.longestRunningProcessorSecondsMetric(queue: name)
        retries = provider.retriesMetric(queue: name)
    }

    mutating func added(_ key: Key, at now: ContinuousClock.Instant) {
        adds.inc()
        depth.inc()
        if addTimes[key] == nil { addTimes[key] = now }
    }

    mutating func handedOut(_ key: Key, at now: ContinuousClock.Instant) {
        depth.dec()
        processingStartTimes[key] = now
        if let added = addTimes.removeValue(forKey: key) { latency.observe(Self.seconds(added.duration(to: now))) }
    }

    mutating func done(_ key: Key, at now: ContinuousClock.Instant) {
        if let start = processingStartTimes.removeValue(forKey: key) { workDuration.observe(Self.seconds(start.duration(to: now))) }
    }

    func updateUnfinishedWork(at now: ContinuousClock.Instant) {
        var total = 0.0, longest = 0.0
        for start in processingStartTimes.values {
            let s = Self.seconds(start.duration(to: now))
            total += s
            longest = max(longest, s)
        }
        unfinished.set(total)
        longestRunning.set(longest)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
