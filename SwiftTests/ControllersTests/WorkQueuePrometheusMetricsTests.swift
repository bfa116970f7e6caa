import APIMachinery
import Client
import Testing
import TestSupport

@testable import Controllers

/// The controller manager's `workqueue_*` metrics as kube-controller-manager's `/metrics` shows them,
/// moved by a real Deployment's reconciles.
@Suite(.timeLimit(.minutes(1)))
struct WorkQueuePrometheusMetricsTests {
    @Test func deploymentAndReplicaSetQueuesCountTheirWork() async throws {
        let cluster = try await TestCluster.start()
        let c = cluster.client
        let metrics = WorkQueuePrometheusMetrics()
        var options = ControllerManagerOptions()
        options.controllers = ["deployment-controller", "replicaset-controller"]
        options.leaderElect = false
        options.logger.logLevel = .critical
        options.workQueueMetrics = metrics
        let opts = options
        let manager = Background { try? await runControllerManager(client: c, options: opts) }

        try await c.create(deploymentsInT, deployment("web", replicas: 2))
        #expect(try await eventually { try await c.items(.pods.inNamespace("t")).count == 2 })
        #expect(try await eventually {
            let s = PrometheusSamples(metrics.render())
            // The Deployment's key was added and worked on; the ReplicaSet's queue under upstream's name too.
            return (s.value("workqueue_adds_total", ["name": "deployment"]) ?? 0) >= 1
                && (s.value("workqueue_work_duration_seconds_count", ["name": "deployment"]) ?? 0) >= 1
                && (s.value("workqueue_adds_total", ["name": "replicaset"]) ?? 0) >= 1
                && s.value("workqueue_depth", ["name": "deployment"]) == 0
        })
        let s = PrometheusSamples(metrics.render())
        for name in ["workqueue_depth", "workqueue_adds_total", "workqueue_retries_total", "workqueue_unfinished_work_seconds",
                     "workqueue_longest_running_processor_seconds", "workqueue_queue_duration_seconds_count",
                     "workqueue_work_duration_seconds_count"] {
            #expect(s.value(name, ["name": "deployment"]) != nil, "\(name){name=\"deployment\"}")
        }
        #expect(s.types["workqueue_queue_duration_seconds"] == "histogram")
        #expect(s.types["workqueue_depth"] == "gauge")
        #expect(s.help["workqueue_adds_total"] == "Total number of adds handled by workqueue")
        // Every key handed out was first added: the latency histogram never counts more than the adds.
        let adds = try #require(s.value("workqueue_adds_total", ["name": "deployment"]))
        #expect(try #require(s.value("workqueue_queue_duration_seconds_count", ["name": "deployment"])) <= adds)
        #expect(s.series("workqueue_queue_duration_seconds_bucket").filter { $0.labels["name"] == "deployment" }.count == 11)

        await manager.stop()
        await cluster.stop()
    }

    @Test func upstreamQueueNames() {
        #expect(WorkQueueNames.metricsName(forLoop: "endpointslice") == "endpoint_slice")
        #expect(WorkQueueNames.metricsName(forLoop: "replicationcontroller") == "replicationmanager")
        #expect(WorkQueueNames.metricsName(forLoop: "local-path-provisioner") == "local-path-provisioner")
    }
}
