import APIMachinery
import Scheduler

/// What `benchmarkSchedule` measured.
public struct SchedulerBenchmarkResult: Sendable, CustomStringConvertible {
    public var nodes: Int
    public var pods: Int
    public var scheduled: Int
    public var unschedulable: Int
    public var seconds: Double
    /// Scheduling decisions (scheduleOne + assume) per second.
    public var podsPerSecond: Double

    public var description: String {
        let rate = (podsPerSecond * 10).rounded() / 10
        return "scheduler: \(pods) pods over \(nodes) nodes: \(scheduled) scheduled, \(unschedulable) unschedulable, "
            + "\(rate) pods/s"
    }
}

/// Times the scheduling core alone: `nodes` nodes (4 cpu, 16Gi, 110 pods, a zone label; every tenth one
/// tainted `PreferNoSchedule`) and `pods` pods (100m / 128Mi, a third with a preferred zone affinity),
/// decoded from JSON beforehand as informer events would be, then scheduled one by one with the default
/// profile and assumed onto their nodes. No API server, no binding: the decision rate the rest of the
/// scheduler has to keep up with. For `skiff bench scheduler`.
public func benchmarkSchedule(nodes nodeCount: Int, pods podCount: Int, seed: UInt64 = 1) -> SchedulerBenchmarkResult {
    var snapshot = Snapshot()
    for i in 0..<nodeCount {
        var json: JSON = [
            "metadata": ["name": .string("node-\(i)"),
                         "labels": ["kubernetes.io/hostname": .string("node-\(i)"), "zone": .string("zone-\(i % 3)")]],
            "spec": [:],
            "status": ["allocatable": ["cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"],
                       "conditions": [["type": "Ready", "status": "True"]]],
        ]
        if i % 10 == 0 {
            json[path: ["spec", "taints"]] = [["key": "maintenance", "value": "soon", "effect": "PreferNoSchedule"]]
        }
        if let node = try? NodeView(json: json) { snapshot.addNode(node) }
    }
    var pods: [PodView] = []
    pods.reserveCapacity(podCount)
    for i in 0..<podCount {
        var json: JSON = [
            "metadata": ["name": .string("bench-\(i)"), "namespace": "default", "uid": .string("bench-uid-\(i)")],
            "spec": ["containers": [["name": "app", "image": "nginx",
                                     "resources": ["requests": ["cpu": "100m", "memory": "128Mi"]]]]],
        ]
        if i % 3 == 0 {
            json[path: ["spec", "affinity"]] = ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
                ["weight": 10, "preference": ["matchExpressions": [
                    ["key": "zone", "operator": "In", "values": [.string("zone-\(i % 3)")]]]]],
            ]]]
        }
        if let pod = try? PodView(json: json) { pods.append(pod) }
    }

    var scheduler = Scheduler(seed: seed)
    var scheduled = 0
    var failed = 0
    let clock = ContinuousClock()
    let start = clock.now
    for pod in pods {
        switch scheduler.scheduleOne(pod, in: snapshot) {
        case .success(let result):
            if (try? snapshot.assume(pod, on: result.suggestedHost)) != nil { scheduled += 1 } else { failed += 1 }
        case .failure:
            failed += 1
        }
    }
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return SchedulerBenchmarkResult(nodes: nodeCount, pods: pods.count, scheduled: scheduled, unschedulable: failed,
                                    seconds: seconds, podsPerSecond: seconds > 0 ? Double(pods.count) / seconds : 0)
}
