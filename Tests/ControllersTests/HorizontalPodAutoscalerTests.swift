import APIMachinery
import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// A pod as the replica calculator reads it: a request, a phase, readiness, a start time.
private func calcPod(_ name: String, cpu: String = "1", memory: String? = nil, ready: Bool = true, phase: String = "Running",
                     started: Date, readySince: Date? = nil) -> JSON {
    var requests: JSON = ["cpu": .string(cpu)]
    if let memory { requests["memory"] = .string(memory) }
    return [
        "metadata": ["name": .string(name), "namespace": "t"],
        "spec": ["containers": [["name": "c", "resources": ["requests": requests]]]],
        "status": ["phase": .string(phase), "startTime": .string(RFC3339.time(started)),
                   "conditions": [["type": "Ready", "status": ready ? "True" : "False",
                                   "lastTransitionTime": .string(RFC3339.time(readySince ?? started))]]],
    ]
}

/// Upstream's replica_calculator_test.go cases, on the same figures.
@Suite struct ReplicaCalculatorTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var longAgo: Date { now.addingTimeInterval(-600) }
    let calc = ReplicaCalculator()

    func metrics(_ values: [String: Int64]) -> PodMetricsInfo {
        PodMetricsInfo(metrics: values.mapValues { PodMetric(timestamp: now, window: 30, value: $0) }, timestamp: now)
    }

    @Test func scaleUpToTheAverageOverTheTarget() throws {
        let pods = (0..<3).map { calcPod("p\($0)", started: longAgo) }
        let r = try calc.replicas(current: 3, targetUtilization: 30, resource: "cpu",
                                  metrics: metrics(["p0": 300, "p1": 500, "p2": 700]), pods: pods, now: now)
        #expect(r == .init(replicas: 5, utilization: 50, rawUtilization: 500, timestamp: now))
    }

    @Test func scaleDownRoundsUp() throws {
        let pods = (0..<5).map { calcPod("p\($0)", started: longAgo) }
        let r = try calc.replicas(current: 5, targetUtilization: 50, resource: "cpu",
                                  metrics: metrics(["p0": 100, "p1": 300, "p2": 500, "p3": 250, "p4": 250]), pods: pods, now: now)
        #expect(r.replicas == 3)
        #expect(r.utilization == 28)
    }

    @Test func withinTheToleranceKeepsTheCurrentCount() throws {
        let pods = [calcPod("p0", cpu: "0.9", started: longAgo), calcPod("p1", cpu: "1.0", started: longAgo), calcPod("p2", cpu: "1.1", started: longAgo)]
        let r = try calc.replicas(current: 3, targetUtilization: 100, resource: "cpu",
                                  metrics: metrics(["p0": 1010, "p1": 1030, "p2": 1020]), pods: pods, now: now)
        #expect(r.replicas == 3)
        #expect(r.utilization == 102)
    }

    @Test func unreadyPodsCountAsIdleWhenScalingUp() throws {
        let pods = [calcPod("p0", ready: false, started: longAgo), calcPod("p1", started: longAgo), calcPod("p2", started: longAgo)]
        let r = try calc.replicas(current: 3, targetUtilization: 30, resource: "cpu",
                                  metrics: metrics(["p0": 300, "p1": 500, "p2": 700]), pods: pods, now: now)
        #expect(r.replicas == 4)
        #expect(r.utilization == 60)
    }

    @Test func aPodStillStartingIsUnreadyUntilReadyForAWholeWindow() throws {
        // Started a minute ago, ready 10 s ago: the 30 s window began before it was ready.
        let started = now.addingTimeInterval(-60)
        let pods = [calcPod("p0", started: started, readySince: now.addingTimeInterval(-10)), calcPod("p1", started: longAgo)]
        let g = calc.group(pods, metrics: metrics(["p0": 900, "p1": 100]).metrics, resource: "cpu", now: now)
        #expect(g.unready == ["p0"])
        #expect(g.readyCount == 1)
        // Memory has no such grace: both count.
        #expect(calc.group(pods, metrics: metrics(["p0": 900, "p1": 100]).metrics, resource: "memory", now: now).readyCount == 2)
    }

    @Test func missingPodsCountAsAtTheirRequestWhenScalingDown() throws {
        let pods = (0..<4).map { calcPod("p\($0)", started: longAgo) }
        let r = try calc.replicas(current: 4, targetUtilization: 50, resource: "cpu",
                                  metrics: metrics(["p0": 100, "p1": 100, "p2": 100]), pods: pods, now: now)
        // Without p3 the ratio is 0.2; counting p3 at 100% it is 0.65: ceil(0.65 × 4) = 3.
        #expect(r.replicas == 3)
        #expect(r.utilization == 10)
    }

    @Test func deletedAndFailedPodsAreIgnored() throws {
        var deleting = calcPod("p2", started: longAgo)
        deleting[path: ["metadata", "deletionTimestamp"]] = .string(RFC3339.time(now))
        let pods = [calcPod("p0", started: longAgo), calcPod("p1", phase: "Failed", started: longAgo), deleting]
        let r = try calc.replicas(current: 1, targetUtilization: 50, resource: "cpu",
                                  metrics: metrics(["p0": 1000, "p1": 5000, "p2": 5000]), pods: pods, now: now)
        #expect(r.replicas == 2)
        #expect(r.utilization == 100)
    }

    @Test func aContainerWithoutARequestIsAnError() {
        var pod = calcPod("p0", started: longAgo)
        pod[path: ["spec", "containers"]] = [["name": "bare"]]
        #expect(throws: HPAError("missing request for cpu in container bare of Pod p0")) {
            try calc.replicas(current: 1, targetUtilization: 50, resource: "cpu", metrics: metrics(["p0": 1]), pods: [pod], now: now)
        }
        #expect(throws: HPAError("no pods returned by selector while calculating replica count")) {
            try calc.replicas(current: 1, targetUtilization: 50, resource: "cpu", metrics: metrics(["p0": 1]), pods: [], now: now)
        }
    }

    @Test func averageValueTargetsDivideTheAverageUsage() throws {
        let pods = (0..<3).map { calcPod("p\($0)", memory: "1Gi", started: longAgo) }
        // 300 MiB average over a 100 MiB target (milli-units, as the metrics client reports them).
        let mi: Int64 = 1 << 20 * 1000
        let r = try calc.replicas(current: 3, targetAverageValue: 100 * mi, resource: "memory",
                                  metrics: metrics(["p0": 200 * mi, "p1": 300 * mi, "p2": 400 * mi]), pods: pods, now: now)
        #expect(r.replicas == 9)
        #expect(r.usage == 300 * mi)
    }

    @Test func podMetricsAreSummedOverContainersAndDroppedWhenOneLacksTheResource() throws {
        let items: [JSON] = [
            ["metadata": ["name": "a", "namespace": "t"], "timestamp": "2026-12-06T10:00:00Z", "window": "15.5s",
             "containers": [["name": "x", "usage": ["cpu": "250m", "memory": "10Mi"]], ["name": "y", "usage": ["cpu": "100000000n", "memory": "1Ki"]]]],
            ["metadata": ["name": "b", "namespace": "t"], "timestamp": "2026-12-06T10:00:01Z", "window": "15s",
             "containers": [["name": "x", "usage": ["memory": "10Mi"]]]],
        ]
        let info = try MetricsAPIClient.decode(items, resource: "cpu", container: nil)
        #expect(info.metrics == ["a": PodMetric(timestamp: RFC3339.parse("2026-12-06T10:00:00Z")!, window: 15.5, value: 350)])
        // One container by name: pods lacking its figure are left out; a pod without the container is an error.
        #expect(try MetricsAPIClient.decode(items, resource: "cpu", container: "x").metrics == ["a": PodMetric(timestamp: RFC3339.parse("2026-12-06T10:00:00Z")!, window: 15.5, value: 250)])
        #expect(throws: HPAError("failed to get container metrics: container y not present in metrics for pod t/b")) {
            try MetricsAPIClient.decode(items, resource: "cpu", container: "y")
        }
        #expect(throws: HPAError("no metrics returned from resource metrics API")) { try MetricsAPIClient.decode([], resource: "cpu", container: nil) }
    }
}

/// Stabilization windows and `behavior` rate limits, on an injected clock.
@Suite struct ScaleStabilizationTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aDipDoesNotScaleDownUntilItLastsTheWindow() {
        let h = ScaleHistory()
        h.recordInitial("k", current: 4, now: t0)
        var n = ReplicaNormalization.normalize(history: h, key: "k", current: 4, desired: 1, min: 1, max: 10, downscaleWindow: 300, now: t0.addingTimeInterval(15))
        #expect(n.replicas == 4)
        #expect(n.ableToScale.reason == "ScaleDownStabilized")
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 4, desired: 1, min: 1, max: 10, downscaleWindow: 300, now: t0.addingTimeInterval(299))
        #expect(n.replicas == 4)
        // The initial 4 is now older than the window; the later recommendations all say 1.
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 4, desired: 1, min: 1, max: 10, downscaleWindow: 300, now: t0.addingTimeInterval(301))
        #expect(n.replicas == 1)
        #expect(n.ableToScale == .init(status: true, reason: "ReadyForNewScale", message: "recommended size matches current size"))
        #expect(n.scalingLimited == .init(status: false, reason: "DesiredWithinRange", message: "the desired count is within the acceptable range"))
    }

    @Test func scaleUpIsImmediateButAtMostDoubleOrFour() {
        let h = ScaleHistory()
        h.recordInitial("k", current: 1, now: t0)
        let n = ReplicaNormalization.normalize(history: h, key: "k", current: 1, desired: 9, min: 1, max: 10, downscaleWindow: 300, now: t0)
        #expect(n.replicas == 4)
        #expect(n.scalingLimited == .init(status: true, reason: "ScaleUpLimit", message: "the desired replica count is increasing faster than the maximum scale rate"))
        let capped = ReplicaNormalization.normalize(history: ScaleHistory(), key: "k", current: 3, desired: 9, min: 1, max: 5, downscaleWindow: 300, now: t0)
        #expect(capped.replicas == 5)
        #expect(capped.scalingLimited.reason == "TooManyReplicas")
    }

    @Test func behaviorHonoursTheScaleDownWindowAndPolicies() {
        let h = ScaleHistory()
        let up = ScalingRules.scaleUp(["policies": [["type": "Pods", "value": 1, "periodSeconds": 60]]])
        let down = ScalingRules.scaleDown(["stabilizationWindowSeconds": 30], defaultWindow: 300)
        #expect(down.stabilizationWindowSeconds == 30)
        #expect(ScalingRules.scaleDown(nil, defaultWindow: 300).stabilizationWindowSeconds == 300)
        h.recordInitial("k", current: 2, now: t0)
        // Up by one pod per minute.
        var n = ReplicaNormalization.normalize(history: h, key: "k", current: 2, desired: 6, min: 1, max: 10, up: up, down: down, now: t0)
        #expect(n.replicas == 3)
        #expect(n.scalingLimited.reason == "ScaleUpLimit")
        h.storeScaleEvent("k", up: up, down: down, from: 2, to: 3, now: t0)
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 3, desired: 6, min: 1, max: 10, up: up, down: down, now: t0.addingTimeInterval(15))
        #expect(n.replicas == 3)
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 3, desired: 6, min: 1, max: 10, up: up, down: down, now: t0.addingTimeInterval(61))
        #expect(n.replicas == 4)
        // Down only after the 30 s window of lower recommendations.
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 4, desired: 1, min: 1, max: 10, up: up, down: down, now: t0.addingTimeInterval(70))
        #expect(n.replicas == 4)
        #expect(n.ableToScale.reason == "ScaleDownStabilized")
        n = ReplicaNormalization.normalize(history: h, key: "k", current: 4, desired: 1, min: 1, max: 10, up: up, down: down, now: t0.addingTimeInterval(101))
        #expect(n.replicas == 1)
    }

    @Test func aDisabledDirectionNeverMoves() {
        let h = ScaleHistory()
        let up = ScalingRules.scaleUp(["selectPolicy": "Disabled"])
        let down = ScalingRules.scaleDown(nil, defaultWindow: 0)
        let n = ReplicaNormalization.normalize(history: h, key: "k", current: 2, desired: 6, min: 1, max: 10, up: up, down: down, now: t0)
        #expect(n.replicas == 2)
    }
}

/// Answers the controller's metric reads from a table the test sets.
final class FakeResourceMetrics: ResourceMetricsClient {
    let usage = Mutex<[String: Int64]>([:])
    let clock: @Sendable () -> Date
    init(clock: @escaping @Sendable () -> Date) { self.clock = clock }

    func set(_ pods: [String], milli: Int64) {
        usage.withLock { u in for p in pods { u[p] = milli } }
    }

    func resourceMetric(_ resource: String, namespace: String, selector: String, container: String?) async throws -> PodMetricsInfo {
        let values = usage.withLock { $0 }
        if values.isEmpty { throw HPAError("no metrics returned from resource metrics API") }
        let now = clock()
        return PodMetricsInfo(metrics: values.mapValues { PodMetric(timestamp: now, window: 15, value: $0) }, timestamp: now)
    }
}

/// The controller against a real API server: a ReplicaSet's scale, its pods, a fake metrics source and
/// a clock the test moves.
@Suite(.serialized) struct HorizontalPodAutoscalerControllerTests {
    static let hpasInT = ResourcePath(group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", namespace: "t")

    func burner(_ name: String, replicas: Int64) -> JSON {
        var rs = replicaSet(name, replicas: replicas, labels: ["app": name])
        rs[path: ["spec", "template", "spec", "containers"]] = [["name": "burn", "image": "busybox", "resources": ["requests": ["cpu": "100m"]]]]
        return rs
    }

    func autoscaler(_ target: String, kind: String = "ReplicaSet", apiVersion: String = "apps/v1", behavior: JSON? = nil) -> JSON {
        var spec: JSON = [
            "scaleTargetRef": ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(target)],
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 50]]]],
        ]
        if let behavior { spec["behavior"] = behavior }
        return ["apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": .string(target), "namespace": "t"], "spec": spec]
    }

    /// Marks the ReplicaSet's pods running and ready, started ten minutes before `now`.
    func startPods(_ client: KubeClient, app: String, now: Date) async throws -> [String] {
        let pods = try await client.items(podsInT, labelSelector: "app=\(app)")
        for pod in pods where pod[path: ["status", "phase"]]?.string != "Running" {
            let started = JSON.string(RFC3339.time(now.addingTimeInterval(-600)))
            let status: JSON = ["phase": "Running", "startTime": started,
                                "conditions": [["type": "Ready", "status": "True", "lastTransitionTime": started]]]
            try await client.patch(podsInT, pod.name, ["status": status], subresource: "status")
        }
        return pods.map(\.name)
    }

    /// One sync as the work queue runs it: a conflict (the ReplicaSet controller wrote the target in the
    /// meantime) fails the sync and the queue retries it, as upstream's HPA does on its next pass.
    func reconcileRetryingConflicts(_ hpa: HorizontalPodAutoscalerController, _ key: String) async throws {
        for attempt in 1...5 {
            do {
                return try await hpa.reconcile(key)
            } catch where "\(error)".contains("the object has been modified") && attempt < 5 {
                continue
            }
        }
    }

    @Test func scalesUpOnCPUAndDownAfterTheStabilizationWindow() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let metrics = FakeResourceMetrics(clock: now)
        let controller = Mutex<HorizontalPodAutoscalerController?>(nil)
        try await withControllers({ client, informers, events in
            let rs = ReplicaSetController(client: client, informers: informers, recorder: events.recorder(component: "replicaset-controller"))
            let hpa = HorizontalPodAutoscalerController(client: client, informers: informers, metrics: metrics,
                                                        recorder: events.recorder(component: "horizontal-pod-autoscaler"), now: now)
            controller.withLock { $0 = hpa }
            return [{ await rs.run(workers: 2) }, { _ = await hpa.hpas.waitForSync(); _ = await hpa.pods.waitForSync() }]
        }) { cluster in
            let client = cluster.client
            let hpa = controller.withLock { $0 }!
            try await client.create(replicaSetsInT, burner("burn", replicas: 1))
            try await client.create(Self.hpasInT, autoscaler("burn"))
            #expect(await eventually { (try? await client.items(podsInT, labelSelector: "app=burn").count) == 1 })
            var pods = try await startPods(client, app: "burn", now: now())
            #expect(await eventually { hpa.hpas.store.get("t/burn") != nil
                && hpa.pods.store.list().filter { $0[path: ["status", "phase"]]?.string == "Running" }.count == 1 })

            // 200m of a 100m request: 200%, four times a 50% target → 4 (the first step's limit: double, at least 4).
            metrics.set(pods, milli: 200)
            try await reconcileRetryingConflicts(hpa, "t/burn")
            var rs = try await client.get(replicaSetsInT, "burn")
            #expect(rs[path: ["spec", "replicas"]]?.int == 4)
            var status = try await client.get(Self.hpasInT, "burn")["status"] ?? [:]
            #expect(status["currentReplicas"]?.int == 1)
            #expect(status["desiredReplicas"]?.int == 4)
            #expect(status["currentMetrics"] == [["type": "Resource", "resource": ["name": "cpu", "current": ["averageValue": "200m", "averageUtilization": 200]]]])
            let conditions = Dictionary(uniqueKeysWithValues: (status["conditions"]?.array ?? []).map { ($0["type"]?.string ?? "", $0["reason"]?.string ?? "") })
            #expect(conditions == ["AbleToScale": "SucceededRescale", "ScalingActive": "ValidMetricFound", "ScalingLimited": "DesiredWithinRange"])
            #expect(await eventually { (try? await client.eventMessages(about: "burn"))?.contains { $0.0 == "SuccessfulRescale"
                && $0.1 == "New size: 4; reason: cpu resource utilization (percentage of request) above target" } == true })

            // Idle now: the recommendation is 1, held at 4 for the 300 s window.
            #expect(await eventually { (try? await client.items(podsInT, labelSelector: "app=burn").count) == 4 })
            pods = try await startPods(client, app: "burn", now: now())
            #expect(await eventually { hpa.pods.store.list().filter { $0[path: ["status", "phase"]]?.string == "Running" }.count == 4 })
            metrics.set(pods, milli: 5)
            clock.withLock { $0 += 15 }
            try await reconcileRetryingConflicts(hpa, "t/burn")
            rs = try await client.get(replicaSetsInT, "burn")
            #expect(rs[path: ["spec", "replicas"]]?.int == 4)
            status = try await client.get(Self.hpasInT, "burn")["status"] ?? [:]
            #expect((status["conditions"]?.array ?? []).first { $0["type"] == "AbleToScale" }?["reason"] == "ScaleDownStabilized")
            #expect(status["desiredReplicas"]?.int == 4)

            clock.withLock { $0 += 300 }
            try await reconcileRetryingConflicts(hpa, "t/burn")
            rs = try await client.get(replicaSetsInT, "burn")
            #expect(rs[path: ["spec", "replicas"]]?.int == 1)
            #expect(await eventually { (try? await client.eventMessages(about: "burn"))?.contains { $0.1 == "New size: 1; reason: All metrics below target" } == true })
        }
    }

    @Test func failuresAreReportedAsUpstreamReportsThem() async throws {
        let now: @Sendable () -> Date = { Date() }
        let metrics = FakeResourceMetrics(clock: now)
        let controller = Mutex<HorizontalPodAutoscalerController?>(nil)
        try await withControllers({ client, informers, events in
            let hpa = HorizontalPodAutoscalerController(client: client, informers: informers, metrics: metrics,
                                                        recorder: events.recorder(component: "horizontal-pod-autoscaler"), now: now)
            controller.withLock { $0 = hpa }
            return [{ _ = await hpa.hpas.waitForSync(); _ = await hpa.pods.waitForSync() }]
        }) { cluster in
            let client = cluster.client
            let hpa = controller.withLock { $0 }!
            // A target that does not exist.
            try await client.create(Self.hpasInT, autoscaler("nothing"))
            #expect(await eventually { hpa.hpas.store.get("t/nothing") != nil })
            await #expect(throws: HPAError.self) { try await hpa.reconcile("t/nothing") }
            var status = try await client.get(Self.hpasInT, "nothing")["status"] ?? [:]
            #expect(status["conditions"] == [["type": "AbleToScale", "status": "False", "lastTransitionTime": status[path: ["conditions"]]?[0]?["lastTransitionTime"] ?? .null,
                                              "reason": "FailedGetScale",
                                              "message": "the HPA controller was unable to get the target's current scale: replicasets.apps \"nothing\" not found"]])
            // A kind nothing serves.
            try await client.create(Self.hpasInT, autoscaler("odd", kind: "Widget", apiVersion: "example.com/v1"))
            #expect(await eventually { hpa.hpas.store.get("t/odd") != nil })
            await #expect(throws: HPAError.self) { try await hpa.reconcile("t/odd") }
            #expect(await eventually { (try? await client.eventMessages(about: "odd"))?.contains { $0 == ("FailedGetScale", "no matches for kind \"Widget\" in group \"example.com\"") } == true })

            // A target whose pods report no metrics.
            try await client.create(replicaSetsInT, burner("quiet", replicas: 1))
            try await client.create(Self.hpasInT, autoscaler("quiet"))
            #expect(await eventually { hpa.hpas.store.get("t/quiet") != nil })
            await #expect(throws: HPAError.self) { try await hpa.reconcile("t/quiet") }
            status = try await client.get(Self.hpasInT, "quiet")["status"] ?? [:]
            let active = (status["conditions"]?.array ?? []).first { $0["type"] == "ScalingActive" }
            #expect(active?["reason"] == "FailedGetResourceMetric")
            #expect(active?["message"]?.string == "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API")
            #expect(await eventually { (try? await client.eventMessages(about: "quiet"))?.contains {
                $0 == ("FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API")
            } == true })
        }
    }
}
