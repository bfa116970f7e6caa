import Prometheus
import Synchronization

/// The kubelet's own `/metrics` (beside `/metrics/resource`), under upstream's names
/// (pkg/kubelet/metrics): `kubelet_node_name{node}` (always 1), `kubelet_running_pods` (pods with a ready
/// sandbox), `kubelet_running_containers{container_state}` (created, running, exited) and
/// `kubelet_pod_start_duration_seconds` (from the kubelet first seeing a pod to all its containers
/// running). The running counts are read from the runtime at each scrape, as upstream's collectors read
/// the pod lifecycle cache.
public final class KubeletMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let runtime: any ContainerRuntime
    let podStartDuration: ValueHistogram
    /// When each pod was first synced, until it first runs (then nil, so it is observed once) or goes.
    private let firstSeen = Mutex<[String: ContinuousClock.Instant?]>([:])

    /// Upstream's `podStartupDurationBuckets`.
    static let podStartBuckets: [Double] = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600,
                                            900, 1200, 1800, 2700, 3600]

    static var runningPods: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "kubelet", metricName: "running_pods", unitName: "", helpText: "Number of pods that have a running pod sandbox") }
    static var runningContainers: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "kubelet", metricName: "running_containers", unitName: "", helpText: "Number of containers currently running") }

    public init(nodeName: String, runtime: any ContainerRuntime) {
        self.runtime = runtime
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "kubelet", metricName: "node_name", unitName: "",
                                             helpText: "The node's name. The count is always 1."),
            labels: [("node", nodeName)]).set(1.0)
        podStartDuration = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "kubelet", metricName: "pod_start_duration", unitName: "seconds",
                helpText: "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run"),
            buckets: Self.podStartBuckets)
    }

    /// A sync of pod `uid`: the first one starts its clock; the first with `running` (a ready sandbox and
    /// every app container running) observes the start duration.
    func podSynced(uid: String, running: Bool, now: ContinuousClock.Instant = .now) {
        let started = firstSeen.withLock { seen -> ContinuousClock.Instant? in
            guard let entry = seen[uid] else {
                if running {
                    seen[uid] = .some(nil)
                    return now
                }
                seen[uid] = .some(now)
                return nil
            }
            guard running, let since = entry else { return nil }
            seen[uid] = .some(nil)
            return since
        }
        guard let started else { return }
        let d = started.duration(to: now)
        podStartDuration.record(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// Pod `uid` is gone from this node.
    func podRemoved(uid: String) {
        _ = firstSeen.withLock { $0.removeValue(forKey: uid) }
    }

    /// The text exposition, with the running pods and containers read from the runtime now.
    public func render() async -> String {
        var pods = 0
        var containers = ["created": 0, "running": 0, "exited": 0]
        for uid in await runtime.podUIDs() {
            guard let status = await runtime.podStatus(uid: uid) else { continue }
            if status.sandboxReady { pods += 1 }
            for c in status.initContainers + status.containers {
                switch c.phase {
                case .running: containers["running", default: 0] += 1
                case .terminated: containers["exited", default: 0] += 1
                case .waiting: if !c.containerID.isEmpty { containers["created", default: 0] += 1 }
                }
            }
        }
        registry.makeGauge(descriptor: Self.runningPods).set(Double(pods))
        for (state, n) in containers {
            registry.makeGauge(descriptor: Self.runningContainers, labels: [("container_state", state)]).set(Double(n))
        }
        return registry.emitToString()
    }
}
