import Synchronization
import Testing
@testable import Client

/// client-go's workqueue metrics from the queue's own events, timed by a manual clock.
@Suite struct WorkQueueMetricsTests {
    /// Every metric a queue reports, by metric and queue name.
    final class Recording: WorkQueueMetricsProvider, Sendable {
        let values = Mutex<[String: Double]>([:])
        let observations = Mutex<[String: [Double]]>([:])
        let refreshers = Mutex<[@Sendable () -> Void]>([])

        struct Metric: WorkQueueGaugeMetric, WorkQueueSettableGaugeMetric, WorkQueueCounterMetric, WorkQueueHistogramMetric {
            let key: String
            let owner: Recording
            func inc() { owner.values.withLock { $0[key, default: 0] += 1 } }
            func dec() { owner.values.withLock { $0[key, default: 0] -= 1 } }
            func set(_ value: Double) { owner.values.withLock { $0[key] = value } }
            func observe(_ value: Double) { owner.observations.withLock { $0[key, default: []].append(value) } }
        }

        func metric(_ kind: String, _ name: String) -> Metric { Metric(key: "\(kind){\(name)}", owner: self) }
        func depthMetric(queue name: String) -> any WorkQueueGaugeMetric { metric("depth", name) }
        func addsMetric(queue name: String) -> any WorkQueueCounterMetric { metric("adds", name) }
        func latencyMetric(queue name: String) -> any WorkQueueHistogramMetric { metric("queue_duration", name) }
        func workDurationMetric(queue name: String) -> any WorkQueueHistogramMetric { metric("work_duration", name) }
        func unfinishedWorkSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric { metric("unfinished", name) }
        func longestRunningProcessorSecondsMetric(queue name: String) -> any WorkQueueSettableGaugeMetric { metric("longest", name) }
        func retriesMetric(queue name: String) -> any WorkQueueCounterMetric { metric("retries", name) }
        func queueInstrumented(name: String, refresh: @escaping @Sendable () -> Void) { refreshers.withLock { $0.append(refresh) } }

        func value(_ key: String) -> Double? { values.withLock { $0[key] } }
        func observed(_ key: String) -> [Double] { observations.withLock { $0[key] ?? [] } }
        func refresh() { for r in refreshers.withLock({ $0 }) { r() } }
    }

    @Test func depthAddsLatencyWorkAndInProgressFollowTheQueue() async {
        let clock = ManualClock()
        let metrics = Recording()
        let q = WorkQueue<String>(clock: clock, name: "deployment", metricsProvider: metrics)
        q.add("a")
        q.add("a")  // already queued: no add counted
        q.add("b")
        #expect(metrics.value("adds{deployment}") == 2)
        #expect(metrics.value("depth{deployment}") == 2)

        clock.advance(by: .milliseconds(250))
        #expect(await q.get() == "a")
        #expect(metrics.value("depth{deployment}") == 1)
        #expect(metrics.observed("queue_duration{deployment}") == [0.25])

        // "a" in progress for 2 s, nothing done yet: the in-progress gauges say so at the next refresh.
        clock.advance(by: .seconds(2))
        metrics.refresh()
        #expect(metrics.value("unfinished{deployment}") == 2)
        #expect(metrics.value("longest{deployment}") == 2)

        // Added while processed: counted, and queued again only at done.
        q.add("a")
        #expect(metrics.value("adds{deployment}") == 3)
        #expect(metrics.value("depth{deployment}") == 2)
        q.done("a")
        #expect(metrics.observed("work_duration{deployment}") == [2])
        metrics.refresh()
        #expect(metrics.value("unfinished{deployment}") == 0 && metrics.value("longest{deployment}") == 0)

        q.addRateLimited("b")
        q.addAfter("c", .zero)
        #expect(metrics.value("retries{deployment}") == 2)
        #expect(await q.get() == "b")
        #expect(await q.get() == "a")
        #expect(metrics.value("depth{deployment}") == 1)  // "c"
    }

    @Test func aQueueInstrumentedLateCountsWhatItAlreadyHoldsAndOnlyOnce() async {
        let clock = ManualClock()
        let q = WorkQueue<String>(clock: clock)
        q.add("x")
        q.add("y")
        #expect(await q.get() == "x")
        let metrics = Recording()
        q.instrument(name: "late", provider: metrics)
        q.instrument(name: "other", provider: metrics)
        #expect(metrics.value("depth{late}") == 1)
        #expect(metrics.value("depth{other}") == nil)
        clock.advance(by: .seconds(1))
        q.done("x")
        #expect(metrics.observed("work_duration{late}") == [1])
        #expect(await q.get() == "y")
        #expect(metrics.value("depth{late}") == 0)
        #expect(metrics.observed("queue_duration{late}") == [1])
    }
}
