import APIMachinery
import Testing

@testable import Kubelet

/// The kubelet's own `/metrics`: running pods and containers read from the runtime, and the pod start
/// latency observed once per pod.
@Suite struct KubeletMetricsTests {
    func pod(_ name: String, uid: String, containers: [String]) -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": "t", "uid": .string(uid)],
         "spec": ["containers": .array(containers.map { ["name": .string($0), "image": "nginx:alpine"] })]]
    }

    func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func runningPodsAndContainersFollowTheRuntime() async throws {
        let runtime = SimulatedRuntime()
        let metrics = KubeletMetrics(nodeName: "n1", runtime: runtime)
        var text = await metrics.render()
        #expect(value(text, "kubelet_node_name{node=\"n1\"}") == 1)
        #expect(value(text, "kubelet_running_pods") == 0)
        #expect(value(text, "kubelet_running_containers{container_state=\"running\"}") == 0)

        _ = try await runtime.syncPod(pod("a", uid: "u-a", containers: ["web", "sidecar"]), context: PodSyncContext())
        _ = try await runtime.syncPod(pod("b", uid: "u-b", containers: ["web"]), context: PodSyncContext())
        text = await metrics.render()
        #expect(value(text, "kubelet_running_pods") == 2)
        #expect(value(text, "kubelet_running_containers{container_state=\"running\"}") == 3)
        #expect(text.contains("# HELP kubelet_running_pods Number of pods that have a running pod sandbox"))

        try await runtime.killPod(uid: "u-a", gracePeriod: 0)
        text = await metrics.render()
        #expect(value(text, "kubelet_running_pods") == 1)
        #expect(value(text, "kubelet_running_containers{container_state=\"running\"}") == 1)
    }

    @Test func podStartDurationIsObservedOnceFromFirstSightToRunning() async {
        let metrics = KubeletMetrics(nodeName: "n1", runtime: SimulatedRuntime())
        let t0 = ContinuousClock.now
        metrics.podSynced(uid: "u", running: false, now: t0)
        metrics.podSynced(uid: "u", running: false, now: t0 + .seconds(1))
        metrics.podSynced(uid: "u", running: true, now: t0 + .milliseconds(2500))
        metrics.podSynced(uid: "u", running: true, now: t0 + .seconds(30))  // already counted
        var text = await metrics.render()
        #expect(value(text, "kubelet_pod_start_duration_seconds_count") == 1)
        #expect(value(text, "kubelet_pod_start_duration_seconds_sum") == 2.5)
        #expect(value(text, "kubelet_pod_start_duration_seconds_bucket{le=\"2.0\"}") == 0)
        #expect(value(text, "kubelet_pod_start_duration_seconds_bucket{le=\"3.0\"}") == 1)

        // A pod that runs at its first sync counts as started at once; a removed pod starts over.
        metrics.podSynced(uid: "v", running: true, now: t0)
        metrics.podRemoved(uid: "u")
        metrics.podSynced(uid: "u", running: false, now: t0 + .seconds(40))
        text = await metrics.render()
        #expect(value(text, "kubelet_pod_start_duration_seconds_count") == 2)
        #expect(value(text, "kubelet_pod_start_duration_seconds_bucket{le=\"0.5\"}") == 1)
    }

    @Test func metricsIsAKubeletPath() {
        #expect(KubeletRequestPath("/metrics") == .metrics)
        #expect(KubeletRequestPath("/metrics/resource") == .metricsResource)
        #expect(KubeletRequestPath("/metrics/nope") == nil)
    }
}
