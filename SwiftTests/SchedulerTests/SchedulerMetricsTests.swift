import APIMachinery
import Client
import ComponentMetrics
import Logging
import Testing
import TestSupport
@testable import Scheduler

/// The scheduler's `/metrics` as upstream names it, moved by real scheduling against an in-process API
/// server and read over HTTP from the shared metrics listener.
@Suite(.timeLimit(.minutes(1)))
struct SchedulerMetricsTests {
    static let podsInT = SchedulerServiceTests.podsInT
    static let profile = ["profile": "default-scheduler"]

    @Test func attemptsByResultAndPendingPodsFollowScheduling() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client(userAgent: "scheduler-metrics-tests")
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "t"]])
        try await client.create(.nodes, SchedulerServiceTests.node("n1"))
        try await client.create(Self.podsInT, SchedulerServiceTests.pod("fits", cpu: "500m"))
        try await client.create(Self.podsInT, SchedulerServiceTests.pod("huge", cpu: "64"))
        var gated = SchedulerServiceTests.pod("gated", cpu: "100m")
        gated[path: ["spec", "schedulingGates"]] = [["name": "example.com/hold"]]
        try await client.create(Self.podsInT, gated)
        var logger = Logger(label: "scheduler-metrics-tests")
        logger.logLevel = .critical
        let metrics = SchedulerMetrics()
        let listener = MetricsServer(host: "127.0.0.1", port: 0, logger: logger, render: { metrics.render() })
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let serving = Background { try? await listener.run { portSink.yield($0) } }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        let scraper = KubeClient(ClientConfig(server: "http://127.0.0.1:\(port)"))
        func scrape() async throws -> PrometheusSamples {
            let response = try await scraper.raw(.GET, "/metrics")
            #expect(response.status == 200)
            return PrometheusSamples(String(decoding: response.body, as: UTF8.self))
        }

        // Before any work: the pending gauges exist and read zero; no attempt has been counted.
        let before = try await scrape()
        for queue in ["active", "backoff", "unschedulable", "gated"] {
            #expect(before.value("scheduler_pending_pods", ["queue": queue]) == 0)
        }
        #expect(before.types["scheduler_pending_pods"] == "gauge")
        #expect(before.value("scheduler_schedule_attempts_total", ["result": "scheduled"]) == nil)

        let service = SchedulerService(client: client, metrics: metrics, logger: logger)
        let run = Background { await service.run() }
        #expect(try await eventually { try await client.get(Self.podsInT, "fits")[path: ["spec", "nodeName"]] == "n1" })
        // Settled: "fits" bound, "huge" back in unschedulable with no attempt in flight, "gated" held by its gate.
        // (The FailedScheduling condition write is a pod update, which may bring "huge" back for one more try:
        // its attempts are counted however many there were, each in the counter and the histogram alike.)
        var settled: PrometheusSamples?
        #expect(try await eventually {
            let s = try await scrape()
            let unschedulable = s.value("scheduler_schedule_attempts_total", ["result": "unschedulable"].merging(Self.profile) { a, _ in a })
            guard s.value("scheduler_schedule_attempts_total", ["result": "scheduled"].merging(Self.profile) { a, _ in a }) == 1,
                  let unschedulable, unschedulable >= 1,
                  s.value("scheduler_scheduling_attempt_duration_seconds_count", ["result": "unschedulable"]) == unschedulable,
                  s.value("scheduler_pending_pods", ["queue": "unschedulable"]) == 1,
                  s.value("scheduler_pending_pods", ["queue": "active"]) == 0,
                  s.value("scheduler_pending_pods", ["queue": "backoff"]) == 0,
                  s.value("scheduler_pending_pods", ["queue": "gated"]) == 1 else { return false }
            settled = s
            return true
        })
        let after = try #require(settled)
        #expect(after.value("scheduler_schedule_attempts_total", ["result": "error"]) == nil)
        // One attempt each: the bound pod took one, so it lands in every bucket from le=1 up.
        #expect(after.value("scheduler_pod_scheduling_attempts_count") == 1)
        #expect(after.value("scheduler_pod_scheduling_attempts_sum") == 1)
        #expect(after.value("scheduler_pod_scheduling_attempts_bucket", ["le": "+Inf"]) == 1)
        let scheduled = ["result": "scheduled", "profile": "default-scheduler"]
        #expect(after.value("scheduler_scheduling_attempt_duration_seconds_count", scheduled) == 1)
        let buckets = after.series("scheduler_scheduling_attempt_duration_seconds_bucket").filter { $0.labels["result"] == "scheduled" }
        #expect(buckets.count == 16)  // ExponentialBuckets(0.001, 2, 15) and +Inf
        #expect(after.types["scheduler_scheduling_attempt_duration_seconds"] == "histogram")
        #expect(after.help["scheduler_scheduling_attempt_duration_seconds"] == "Scheduling attempt latency in seconds (scheduling algorithm + binding)")

        await run.stop()
        await serving.stop()
        await scraper.shutdown()
        await client.shutdown()
        await server.stop()
    }

    @Test func bucketsAreUpstreams() {
        #expect(SchedulerMetrics.attemptDurationBuckets.first == 0.001 && SchedulerMetrics.attemptDurationBuckets.count == 15)
        #expect(SchedulerMetrics.attemptDurationBuckets.last == 16.384)
        #expect(SchedulerMetrics.attemptsBuckets == [1, 2, 4, 8, 16])
    }
}
