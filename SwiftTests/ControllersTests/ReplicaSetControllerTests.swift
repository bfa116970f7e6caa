import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct ReplicaSetControllerTests {
    func rsController(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rsc = ReplicaSetController(client: client, informers: informers, recorder: events.recorder(component: "replicaset-controller"))
        ControllerQueues.track(rsc.queue, workers: 2)
        return [{ await rsc.run(workers: 2) }]
    }

    func ownedPods(_ client: KubeClient, _ rs: JSON) async throws -> [JSON] {
        try await client.items(podsInT).filter { $0.controllerRef?.uid == rs.uid && !$0.isBeingDeleted }
    }

    @Test func createsScalesAndReplacesPods() async throws {
        try await withControllers(rsController) { cluster in
            let c = cluster.client
            let rs = try await c.create(replicaSetsInT, replicaSet("web", replicas: 3))
            #expect(try await eventually { try await ownedPods(c, rs).count == 3 })
            // No double creation: the count stays at 3 once reached.
            #expect(try await cluster.quiesced())
            let pods = try await ownedPods(c, rs)
            #expect(pods.count == 3)
            for p in pods {
                #expect(p.name.hasPrefix("web-"))
                #expect(p.name.count == "web-".count + 5)
                #expect(p.labels == ["app": "web"])
                let ref = try #require(p.controllerRef)
                #expect(ref.kind == "ReplicaSet" && ref.name == "web" && ref.blockOwnerDeletion && ref.apiVersion == "apps/v1")
            }
            // A deleted pod is replaced.
            try await c.delete(podsInT, pods[0].name)
            #expect(try await eventually {
                let now = try await ownedPods(c, rs)
                return now.count == 3 && !now.contains { $0.name == pods[0].name }
            })
            // Scale down to 1, then status.
            try await c.patch(replicaSetsInT, "web", ["spec": ["replicas": 1]])
            #expect(try await eventually { try await ownedPods(c, rs).count == 1 })
            #expect(try await eventually {
                // observedGeneration follows metadata.generation (absent while the server sets none).
                let o = try await c.get(replicaSetsInT, "web")
                return o[path: ["status", "replicas"]]?.int == 1 && o[path: ["status", "observedGeneration"]] == o[path: ["metadata", "generation"]]
            })
            #expect(try await eventually {
                let events = try await c.eventMessages(about: "web")
                return events.filter { $0.0 == "SuccessfulCreate" }.count == 4 && events.filter { $0.0 == "SuccessfulDelete" }.count == 2
            })
            let created = try await c.eventMessages(about: "web").filter { $0.0 == "SuccessfulCreate" }
            #expect(created.allSatisfy { $0.1.hasPrefix("Created pod: web-") })
        }
    }

    @Test func statusCountsReadyAndAvailablePods() async throws {
        try await withControllers(rsController) { cluster in
            let c = cluster.client
            var spec = replicaSet("web", replicas: 2)
            spec[path: ["spec", "template", "metadata", "labels", "tier"]] = "front"
            let rs = try await c.create(replicaSetsInT, spec)
            #expect(try await eventually { try await ownedPods(c, rs).count == 2 })
            let kubelet = FakeKubelet(client: c)
            let pods = try await ownedPods(c, rs)
            try await kubelet.markRunning(pods[0], ready: true)
            try await kubelet.markRunning(pods[1], ready: false)
            #expect(try await eventually {
                let s = try await c.get(replicaSetsInT, "web")["status"]
                return s?["replicas"]?.int == 2 && s?["readyReplicas"]?.int == 1 && s?["availableReplicas"]?.int == 1
                    && s?["fullyLabeledReplicas"]?.int == 2
            })
        }
    }

    @Test func adoptsMatchingOrphansAndReleasesPodsThatStopMatching() async throws {
        try await withControllers(rsController) { cluster in
            let c = cluster.client
            // An orphan with the right labels exists before the ReplicaSet.
            try await c.create(podsInT, ["apiVersion": "v1", "kind": "Pod",
                                         "metadata": ["name": "orphan", "labels": ["app": "web"]],
                                         "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]])
            let rs = try await c.create(replicaSetsInT, replicaSet("web", replicas: 2))
            #expect(try await eventually { try await ownedPods(c, rs).count == 2 })
            let orphan = try await c.get(podsInT, "orphan")
            #expect(orphan.controllerRef?.uid == rs.uid)
            // Relabelled: released and replaced, not deleted.
            try await c.patch(podsInT, "orphan", ["metadata": ["labels": ["app": "other"]]])
            #expect(try await eventually {
                let o = try await c.get(podsInT, "orphan")
                return o.controllerRef == nil
            })
            #expect(try await eventually { try await ownedPods(c, rs).count == 2 })
        }
    }

    @Test func scaleDownPrefersUnreadyPods() async throws {
        try await withControllers(rsController) { cluster in
            let c = cluster.client
            let rs = try await c.create(replicaSetsInT, replicaSet("web", replicas: 3))
            #expect(try await eventually { try await ownedPods(c, rs).count == 3 })
            let pods = try await ownedPods(c, rs)
            let kubelet = FakeKubelet(client: c)
            try await kubelet.markRunning(pods[0], ready: true)
            try await kubelet.markRunning(pods[1], ready: false)
            try await kubelet.markRunning(pods[2], ready: true)
            #expect(try await eventually { try await c.get(replicaSetsInT, "web")[path: ["status", "readyReplicas"]]?.int == 2 })
            try await c.patch(replicaSetsInT, "web", ["spec": ["replicas": 2]])
            #expect(try await eventually { try await ownedPods(c, rs).count == 2 })
            let left = Set(try await ownedPods(c, rs).map(\.name))
            #expect(left == [pods[0].name, pods[2].name])
        }
    }
}

@Suite struct ActivePodsOrderingTests {
    func pod(_ name: String, node: String = "", phase: String = "Running", ready: Bool = false, created: Int = 0, uid: String? = nil) -> JSON {
        var p: JSON = ["metadata": ["name": .string(name), "uid": .string(uid ?? name),
                                    "creationTimestamp": .string(RFC3339.time(Date(timeIntervalSince1970: 1_700_000_000 + Double(created))))],
                       "spec": ["nodeName": .string(node)], "status": ["phase": .string(phase)]]
        if ready {
            p[path: ["status", "conditions"]] = [["type": "Ready", "status": "True", "lastTransitionTime": .string(RFC3339.time(Date(timeIntervalSince1970: 1_700_000_000)))]]
        }
        return p
    }

    @Test func unscheduledPendingUnreadyComeFirst() {
        let order = ActivePodsOrdering(now: Date(timeIntervalSince1970: 1_700_100_000))
        let pods = [
            pod("ready", node: "n1", ready: true),
            pod("unscheduled", phase: "Pending"),
            pod("pending", node: "n1", phase: "Pending"),
            pod("notready", node: "n1"),
        ]
        #expect(order.sorted(pods, related: pods).map(\.name) == ["unscheduled", "pending", "notready", "ready"])
    }

    @Test func doubledUpPodsAndDeletionCostDecide() {
        let order = ActivePodsOrdering(now: Date(timeIntervalSince1970: 1_700_100_000))
        var cheap = pod("cheap", node: "n2", ready: true)
        cheap[path: ["metadata", "annotations"]] = ["controller.kubernetes.io/pod-deletion-cost": "-5"]
        let pods = [pod("alone", node: "n1", ready: true), pod("crowd1", node: "n2", ready: true), pod("crowd2", node: "n2", ready: true), cheap]
        let sorted = order.sorted(pods, related: pods).map(\.name)
        #expect(sorted.first == "cheap")
        #expect(sorted.last == "alone")
    }

    @Test func newerPodsGoFirstAcrossLogBuckets() {
        let order = ActivePodsOrdering(now: Date(timeIntervalSince1970: 1_700_100_000))
        // 100000s vs 1000s old: different logarithmic buckets, the newer one goes first.
        let old = pod("old", node: "n1", created: 0), new = pod("new", node: "n1", created: 99_000)
        #expect(order.sorted([old, new], related: []).map(\.name) == ["new", "old"])
        // Same bucket: ordered by UID, whatever the exact times.
        let a = pod("a", node: "n1", created: 99_000, uid: "b-uid"), b = pod("b", node: "n1", created: 99_001, uid: "a-uid")
        #expect(order.sorted([a, b], related: []).map(\.name) == ["b", "a"])
    }
}

/// The same controller over ReplicationControllers (upstream's replication manager).
@Suite(.timeLimit(.minutes(1)))
struct ReplicationControllerTests {
    static let rcs = ResourcePath(resource: "replicationcontrollers", namespace: "t")

    func rcController(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rm = ReplicaSetController.replicationManager(client: client, informers: informers, recorder: events.recorder(component: "replication-controller"))
        let kubelet = FakeKubelet(client: client)
        return [{ await rm.run(workers: 2) }, { await kubelet.run() }]
    }

    @Test func keepsReplicasOfAReplicationControllerAndReportsStatus() async throws {
        try await withControllers(rcController) { cluster in
            let c = cluster.client
            let rc = try await c.create(Self.rcs, [
                "apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "rc"],
                "spec": ["replicas": 2, "selector": ["app": "rc"], "template": podTemplate(labels: ["app": "rc"])],
            ])
            let owned = { try await c.items(podsInT).filter { $0.controllerRef?.uid == rc.uid && !$0.isBeingDeleted } }
            #expect(try await eventually { try await owned().count == 2 })
            let ref = try #require(try await owned().first?.controllerRef)
            #expect(ref.kind == "ReplicationController" && ref.apiVersion == "v1" && ref.name == "rc")
            #expect(try await eventually {
                let s = try await c.get(Self.rcs, "rc")["status"]
                return s?["replicas"]?.int == 2 && s?["readyReplicas"]?.int == 2 && s?["availableReplicas"]?.int == 2
                    && s?["fullyLabeledReplicas"]?.int == 2
            })
            try await c.patch(Self.rcs, "rc", ["spec": ["replicas": 0]])
            #expect(try await eventually { try await owned().isEmpty })
            #expect(try await eventually {
                let events = try await c.eventMessages(about: "rc")
                return events.filter { $0.0 == "SuccessfulCreate" }.count == 2 && events.filter { $0.0 == "SuccessfulDelete" }.count == 2
            })
        }
    }
}
