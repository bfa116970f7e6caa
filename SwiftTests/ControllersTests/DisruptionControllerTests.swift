import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

let pdbsInT = ResourcePath(group: "policy", resource: "poddisruptionbudgets", namespace: "t")

func podDisruptionBudget(_ name: String, minAvailable: JSON? = nil, maxUnavailable: JSON? = nil, labels: [String: String] = ["app": "web"],
                         policy: String? = nil) -> JSON {
    var spec: JSON = ["selector": ["matchLabels": .from(labels)]]
    if let minAvailable { spec["minAvailable"] = minAvailable }
    if let maxUnavailable { spec["maxUnavailable"] = maxUnavailable }
    if let policy { spec["unhealthyPodEvictionPolicy"] = .string(policy) }
    return ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": .string(name), "namespace": "t"], "spec": spec]
}

/// The budget arithmetic on its own.
@Suite struct DisruptionBudgetTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func pod(_ name: String, ready: Bool = true, deleting: Bool = false) -> JSON {
        var p: JSON = ["metadata": ["name": .string(name), "namespace": "t"], "status": ["phase": "Running"]]
        p[path: ["status", "conditions"]] = [["type": "Ready", "status": ready ? "True" : "False"]]
        if deleting { p[path: ["metadata", "deletionTimestamp"]] = .string(RFC3339.time(now)) }
        return p
    }

    func counts(_ pdb: JSON, pods: Int = 3, scale: Int64 = 4) async throws -> DisruptionBudget.Counts {
        try await DisruptionBudget.counts(pdb, pods: (0..<pods).map { pod("p\($0)") }) { (scale, []) }
    }

    @Test func integerMinAvailableCountsThePodsPercentagesTheControllersScale() async throws {
        #expect(try await counts(podDisruptionBudget("b", minAvailable: 2)) == .init(expected: 3, desiredHealthy: 2))
        // 50% of a scale of 4 wanted, whatever the number of pods seen; percentages round up.
        #expect(try await counts(podDisruptionBudget("b", minAvailable: "50%")) == .init(expected: 4, desiredHealthy: 2))
        #expect(try await counts(podDisruptionBudget("b", minAvailable: "51%")) == .init(expected: 4, desiredHealthy: 3))
        #expect(try await counts(podDisruptionBudget("b", maxUnavailable: 1)) == .init(expected: 4, desiredHealthy: 3))
        #expect(try await counts(podDisruptionBudget("b", maxUnavailable: "26%")) == .init(expected: 4, desiredHealthy: 2))
        #expect(try await counts(podDisruptionBudget("b", maxUnavailable: 9)) == .init(expected: 4, desiredHealthy: 0))
        await #expect(throws: DisruptionBudget.InvalidBudget.self) { try await counts(podDisruptionBudget("b", minAvailable: "half")) }
    }

    @Test func disruptedPodsAreNotHealthyUntilTheirDeletionTimesOut() {
        var pdb = podDisruptionBudget("b", minAvailable: 1)
        let recent = RFC3339.time(now.addingTimeInterval(-30)), old = RFC3339.time(now.addingTimeInterval(-121))
        pdb[path: ["status", "disruptedPods"]] = ["a": .string(recent), "b": .string(old), "gone": .string(recent), "c": .string(recent)]
        let pods = [pod("a"), pod("b"), pod("c", deleting: true), pod("d"), pod("e", ready: false)]
        let (kept, recheck, expired) = DisruptionBudget.disruptedPods(pdb, pods: pods, now: now)
        // a stays; b timed out; c is being deleted (seen); gone no longer exists.
        #expect(kept == ["a": recent])
        #expect(recheck == RFC3339.parse(recent)!.addingTimeInterval(120))
        #expect(expired.map(\.name) == ["b"])
        // Healthy: b and d (a is discounted, c is deleting, e is not ready).
        #expect(DisruptionBudget.currentHealthy(pods, disrupted: kept, now: now) == 2)
    }

    @Test func statusAllowsTheSurplusOnlyWhenPodsAreExpected() throws {
        var pdb = podDisruptionBudget("b", minAvailable: 2)
        pdb[path: ["metadata", "generation"]] = 3
        let s = try #require(DisruptionBudget.status(pdb, currentHealthy: 3, counts: .init(expected: 3, desiredHealthy: 2), disrupted: [:], now: now))
        #expect(s["disruptionsAllowed"]?.int == 1 && s["currentHealthy"]?.int == 3 && s["desiredHealthy"]?.int == 2)
        #expect(s["expectedPods"]?.int == 3 && s["observedGeneration"]?.int == 3 && s["disruptedPods"] == nil)
        let c = try #require(s["conditions"]?.array?.first)
        #expect(c["type"]?.string == "DisruptionAllowed" && c["status"]?.string == "True" && c["reason"]?.string == "SufficientPods")
        #expect(c["message"]?.string == "" && c["observedGeneration"]?.int == 3)
        // Written: nothing more to write.
        pdb["status"] = s
        #expect(DisruptionBudget.status(pdb, currentHealthy: 3, counts: .init(expected: 3, desiredHealthy: 2), disrupted: [:], now: now) == nil)
        // One fewer healthy: none allowed, the condition flips with a new transition time.
        let later = now.addingTimeInterval(5)
        let s2 = try #require(DisruptionBudget.status(pdb, currentHealthy: 2, counts: .init(expected: 3, desiredHealthy: 2), disrupted: [:], now: later))
        #expect(s2["disruptionsAllowed"]?.int == 0)
        let c2 = try #require(s2["conditions"]?.array?.first)
        #expect(c2["status"]?.string == "False" && c2["reason"]?.string == "InsufficientPods")
        #expect(c2["lastTransitionTime"]?.string == RFC3339.time(later))
        // No pods expected: nothing allowed, however many are healthy.
        let s3 = try #require(DisruptionBudget.status(pdb, currentHealthy: 3, counts: .init(expected: 0, desiredHealthy: 0), disrupted: [:], now: now))
        #expect(s3["disruptionsAllowed"]?.int == 0)
    }

    @Test func failSafeDisallowsDisruptionAndSaysWhy() throws {
        var pdb = podDisruptionBudget("b", minAvailable: 1)
        pdb["status"] = ["disruptionsAllowed": 2, "currentHealthy": 3, "desiredHealthy": 1, "expectedPods": 3, "observedGeneration": 1]
        let s = DisruptionBudget.failSafeStatus(pdb, error: "found no controllers for pod \"x\"", now: now)
        #expect(s["disruptionsAllowed"]?.int == 0 && s["currentHealthy"]?.int == 3)
        let c = try #require(s["conditions"]?.array?.first)
        #expect(c["reason"]?.string == "SyncFailed" && c["status"]?.string == "False" && c["message"]?.string == "found no controllers for pod \"x\"")
    }

    @Test func selectorPrintsAsUpstreamsEventsShowIt() {
        let s: JSON = ["matchLabels": ["app": "web", "a": "b"], "matchExpressions": [["key": "k", "operator": "In", "values": ["x", "y"]]]]
        #expect(DisruptionController.goString(selector: s)
            == "&LabelSelector{MatchLabels:map[string]string{a: b,app: web,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}")
    }
}

/// The controller against a real API server, with the ReplicaSet and Deployment controllers making pods
/// and a fake kubelet making them ready.
@Suite(.timeLimit(.minutes(1)))
struct DisruptionControllerTests {
    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rsc = ReplicaSetController(client: client, informers: informers, recorder: events.recorder(component: "replicaset-controller"))
        let dc = DeploymentController(client: client, informers: informers, recorder: events.recorder(component: "deployment-controller"))
        let pdb = DisruptionController(client: client, informers: informers, recorder: events.recorder(component: "controllermanager"))
        let kubelet = FakeKubelet(client: client)
        return [{ await rsc.run(workers: 2) }, { await dc.run(workers: 2) }, { await pdb.run(workers: 1) }, { await kubelet.run() }]
    }

    func status(_ c: KubeClient, _ name: String) async throws -> JSON {
        try await c.get(pdbsInT, name)["status"] ?? [:]
    }

    func condition(_ status: JSON) -> JSON? {
        status["conditions"]?.array?.first { $0["type"]?.string == "DisruptionAllowed" }
    }

    @Test func budgetOverADeploymentFollowsItsPods() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(deploymentsInT, deployment("web", replicas: 3))
            try await c.create(pdbsInT, podDisruptionBudget("min2", minAvailable: 2))
            try await c.create(pdbsInT, podDisruptionBudget("half", minAvailable: "50%"))
            try await c.create(pdbsInT, podDisruptionBudget("max1", maxUnavailable: 1))
            #expect(try await eventually {
                let s = try await status(c, "min2")
                return s["currentHealthy"]?.int == 3 && s["desiredHealthy"]?.int == 2 && s["expectedPods"]?.int == 3
                    && s["disruptionsAllowed"]?.int == 1 && s["observedGeneration"]?.int == 1
                    && condition(s)?["reason"]?.string == "SufficientPods" && condition(s)?["status"]?.string == "True"
            })
            // 50% of the Deployment's 3 replicas, rounded up; maxUnavailable 1 of 3.
            #expect(try await eventually {
                let s = try await status(c, "half")
                return s["desiredHealthy"]?.int == 2 && s["expectedPods"]?.int == 3 && s["disruptionsAllowed"]?.int == 1
            })
            #expect(try await eventually {
                let s = try await status(c, "max1")
                return s["desiredHealthy"]?.int == 2 && s["expectedPods"]?.int == 3 && s["disruptionsAllowed"]?.int == 1
            })
            // A pod goes unready: the budget is spent.
            let pod = try #require(try await c.items(podsInT).first)
            try await FakeKubelet(client: c).markRunning(pod, ready: false)
            #expect(try await eventually {
                let s = try await status(c, "min2")
                return s["currentHealthy"]?.int == 2 && s["disruptionsAllowed"]?.int == 0
                    && condition(s)?["reason"]?.string == "InsufficientPods" && condition(s)?["status"]?.string == "False"
            })
            // Scaling the Deployment changes what a percentage expects.
            try await c.patch(deploymentsInT, "web", ["spec": ["replicas": 5]])
            #expect(try await eventually {
                let s = try await status(c, "half")
                return s["expectedPods"]?.int == 5 && s["desiredHealthy"]?.int == 3
            })
        }
    }

    @Test func aPodTheEvictionRecordedIsDiscountedUntilItGoes() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(replicaSetsInT, replicaSet("web", replicas: 3))
            try await c.create(pdbsInT, podDisruptionBudget("min1", minAvailable: 1))
            #expect(try await eventually { try await status(c, "min1")["disruptionsAllowed"]?.int == 2 })
            // What the eviction subresource writes before deleting a pod.
            let victim = try #require(try await c.items(podsInT).first)
            #expect(try await eventually {
                // The controller may write between the read and the write: then read again.
                var pdb = try await c.get(pdbsInT, "min1")
                pdb[path: ["status", "disruptedPods"]] = [victim.name: .string(RFC3339.time())]
                pdb[path: ["status", "disruptionsAllowed"]] = 1
                do {
                    try await c.update(pdbsInT, pdb, subresource: "status")
                    return true
                } catch let e as APIError where e.code == 409 {
                    return false
                }
            })
            // The controller keeps the entry while the pod is there and discounts the pod.
            #expect(try await eventually {
                let s = try await status(c, "min1")
                return s["currentHealthy"]?.int == 2 && s["disruptionsAllowed"]?.int == 1 && s["disruptedPods"]?[victim.name] != nil
            })
            // Once the pod is deleted the entry goes; the replacement restores the budget.
            try await c.delete(podsInT, victim.name)
            #expect(try await eventually {
                let s = try await status(c, "min1")
                return s["disruptedPods"] == nil && s["currentHealthy"]?.int == 3 && s["disruptionsAllowed"]?.int == 2
            })
        }
    }

    @Test func podsWithoutAScalableControllerFailTheSyncSafely() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            // A pod claimed by a DaemonSet-kind owner: daemonsets serve no scale.
            try await c.create(podsInT, ["apiVersion": "v1", "kind": "Pod",
                                         "metadata": ["name": "ds-pod", "labels": ["app": "ds"],
                                                      "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ds",
                                                                           "uid": "0b9a5c1e-0000-4000-8000-000000000001", "controller": true]]],
                                         "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]])
            try await c.create(pdbsInT, podDisruptionBudget("ds", maxUnavailable: 1, labels: ["app": "ds"]))
            #expect(try await eventually {
                let s = try await status(c, "ds")
                return s["disruptionsAllowed"]?.int == 0 && condition(s)?["reason"]?.string == "SyncFailed"
                    && condition(s)?["message"]?.string == "daemonsets.apps does not implement the scale subresource"
            })
            // An unmanaged pod: an integer minAvailable counts it, a percentage warns.
            try await c.create(podsInT, ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "lone", "labels": ["app": "lone"]],
                                         "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]])
            try await c.create(pdbsInT, podDisruptionBudget("lone", minAvailable: "50%", labels: ["app": "lone"]))
            #expect(try await eventually {
                try await c.eventMessages(about: "lone").contains { $0.0 == "UnmanagedPods" && $0.1.hasPrefix("Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: lone,}") }
            })
            // No pods at all: an event says so.
            try await c.create(pdbsInT, podDisruptionBudget("none", minAvailable: 1, labels: ["app": "none"]))
            #expect(try await eventually { try await c.eventMessages(about: "none").contains { $0 == ("NoPods", "No matching pods found") } })
        }
    }
}
