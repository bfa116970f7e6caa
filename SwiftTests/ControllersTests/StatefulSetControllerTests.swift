import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

let statefulSetsInT = ResourcePath.statefulsets.inNamespace("t")
let revisionsInT = ResourcePath.controllerrevisions.inNamespace("t")
let claimsInT = ResourcePath.persistentvolumeclaims.inNamespace("t")

func statefulSet(_ name: String, replicas: Int64, policy: String = "OrderedReady", image: String = "nginx:alpine",
                 partition: Int64? = nil, claims: [String] = [], retention: JSON? = nil) -> JSON {
    var s: JSON = ["apiVersion": "apps/v1", "kind": "StatefulSet",
                   "metadata": ["name": .string(name), "namespace": "t"],
                   "spec": ["replicas": .int(replicas), "serviceName": "nginx", "podManagementPolicy": .string(policy),
                            "selector": ["matchLabels": ["app": "web"]],
                            "template": podTemplate(labels: ["app": "web"], image: image)]]
    if let partition { s[path: ["spec", "updateStrategy"]] = ["type": "RollingUpdate", "rollingUpdate": ["partition": .int(partition)]] }
    if !claims.isEmpty {
        s[path: ["spec", "volumeClaimTemplates"]] = .array(claims.map { c in
            ["metadata": ["name": .string(c)], "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]
        })
    }
    if let retention { s[path: ["spec", "persistentVolumeClaimRetentionPolicy"]] = retention }
    return s
}

@Suite(.timeLimit(.minutes(2)))
struct StatefulSetControllerTests {
    func controller(kubelet: Bool) -> (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void] {
        { client, informers, events in
            let c = StatefulSetController(client: client, informers: informers, recorder: events.recorder(component: "statefulset-controller"))
            let k = FakeKubelet(client: client)
            var runs: [@Sendable () async -> Void] = [{ await c.run(workers: 2) }]
            if kubelet { runs.append { await k.run() } }
            return runs
        }
    }

    func podNames(_ c: KubeClient) async throws -> [String] {
        try await c.items(podsInT).filter { !$0.isBeingDeleted }.map(\.name).sorted()
    }

    @Test func orderedReadyCreatesPodsOneAtATimeWithTheirIdentity() async throws {
        try await withControllers(controller(kubelet: false)) { cluster in
            let c = cluster.client
            let set = try await c.create(statefulSetsInT, statefulSet("web", replicas: 3))
            let kubelet = FakeKubelet(client: c)
            #expect(try await eventually(timeout: .seconds(30)) { try await podNames(c) == ["web-0"] })
            let web0 = try await c.get(podsInT, "web-0")
            #expect(web0[path: ["spec", "hostname"]] == "web-0" && web0[path: ["spec", "subdomain"]] == "nginx")
            #expect(web0.labels["statefulset.kubernetes.io/pod-name"] == "web-0")
            #expect(web0.labels["apps.kubernetes.io/pod-index"] == "0")
            #expect(web0.labels["app"] == "web")
            #expect(web0[path: ["metadata", "generateName"]] == "web-")
            #expect(web0.controllerRef?.uid == set.uid && web0.controllerRef?.kind == "StatefulSet")
            let revisions = try await c.items(revisionsInT)
            #expect(revisions.count == 1)
            #expect(web0.labels["controller-revision-hash"] == revisions.first?.name)

            // web-1 only once web-0 is Running and Ready; web-2 only once web-1 is.
            try await kubelet.markRunning(web0, ready: false)
            try await kubelet.markRunning(try await c.get(podsInT, "web-0"), ready: true)
            #expect(try await eventually(timeout: .seconds(30)) { try await podNames(c) == ["web-0", "web-1"] })
            try await kubelet.markRunning(try await c.get(podsInT, "web-1"), ready: true)
            #expect(try await eventually(timeout: .seconds(30)) { try await podNames(c) == ["web-0", "web-1", "web-2"] })
            try await kubelet.markRunning(try await c.get(podsInT, "web-2"), ready: true)
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(statefulSetsInT, "web")["status"]
                return s?["replicas"] == 3 && s?["readyReplicas"] == 3 && s?["currentReplicas"] == 3 && s?["updatedReplicas"] == 3
                    && s?["availableReplicas"] == 3 && s?["currentRevision"] == s?["updateRevision"] && s?["observedGeneration"] == 1
                    && s?["collisionCount"] == 0
            })
            #expect(try await eventually(timeout: .seconds(30)) {
                try await c.eventMessages(about: "web").filter { $0.0 == "SuccessfulCreate" }.map(\.1)
                    == ["create Pod web-0 in StatefulSet web successful", "create Pod web-1 in StatefulSet web successful",
                        "create Pod web-2 in StatefulSet web successful"]
            })
        }
    }

    @Test func parallelCreatesEveryPodAtOnce() async throws {
        try await withControllers(controller(kubelet: false)) { cluster in
            let c = cluster.client
            try await c.create(statefulSetsInT, statefulSet("web", replicas: 3, policy: "Parallel"))
            #expect(try await eventually(timeout: .seconds(30)) { try await podNames(c) == ["web-0", "web-1", "web-2"] })
        }
    }

    @Test func deletedPodComesBackAndScaleDownGoesFromTheTop() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            try await c.create(statefulSetsInT, statefulSet("web", replicas: 3))
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 3 })
            let old = try await c.get(podsInT, "web-1")
            try await c.delete(podsInT, "web-1")
            #expect(await eventually(timeout: .seconds(30)) { (try? await c.get(podsInT, "web-1"))?.uid ?? old.uid != old.uid })
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 3 })
            try await c.patch(statefulSetsInT, "web", ["spec": ["replicas": 1]])
            #expect(try await eventually(timeout: .seconds(30)) { try await podNames(c) == ["web-0"] })
            // Events are written in the background: wait for both.
            #expect(try await eventually(timeout: .seconds(30)) {
                let deletes = try await c.eventMessages(about: "web").filter { $0.0 == "SuccessfulDelete" }.map(\.1)
                return deletes.contains("delete Pod web-2 in StatefulSet web successful")
                    && deletes.contains("delete Pod web-1 in StatefulSet web successful")
            })
        }
    }

    @Test func rollingUpdateHonoursThePartitionAndRollsBack() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            try await c.create(statefulSetsInT, statefulSet("web", replicas: 3, partition: 2))
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 3 })
            let first = try #require(try await c.get(statefulSetsInT, "web")[path: ["status", "currentRevision"]]?.string)
            try await c.patch(statefulSetsInT, "web", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]])
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(statefulSetsInT, "web")["status"]
                return s?["updatedReplicas"] == 1 && s?["readyReplicas"] == 3 && s?["currentRevision"]?.string == first
                    && s?["updateRevision"]?.string != first && s?["observedGeneration"] == 2
            })
            let second = try #require(try await c.get(statefulSetsInT, "web")[path: ["status", "updateRevision"]]?.string)
            func image(_ n: String) async throws -> String? {
                try await c.get(podsInT, n)[path: ["spec", "containers"]]?[0]?["image"]?.string
            }
            #expect(try await image("web-2") == "nginx:1.27")
            #expect(try await image("web-1") == "nginx:alpine")
            #expect(try await image("web-0") == "nginx:alpine")
            #expect(try await c.get(podsInT, "web-2").labels["controller-revision-hash"] == second)
            let revisions = ControllerHistory.sorted(try await c.items(revisionsInT))
            #expect(revisions.map(\.name) == [first, second] && revisions.map { ControllerHistory.number($0) } == [1, 2])

            // Partition 0: the rest follow, highest ordinal first, and the update revision becomes current.
            try await c.patch(statefulSetsInT, "web", ["spec": ["updateStrategy": ["rollingUpdate": ["partition": 0]]]])
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(statefulSetsInT, "web")["status"]
                return s?["currentRevision"]?.string == second && s?["updatedReplicas"] == 3 && s?["readyReplicas"] == 3
            })
            #expect(try await image("web-0") == "nginx:1.27")

            // Back to the first template: the first revision is renumbered, not duplicated.
            try await c.patch(statefulSetsInT, "web", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:alpine"]]]]]])
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(statefulSetsInT, "web")["status"]
                return s?["currentRevision"]?.string == first && s?["updatedReplicas"] == 3 && s?["readyReplicas"] == 3
            })
            let after = ControllerHistory.sorted(try await c.items(revisionsInT))
            #expect(after.map(\.name) == [second, first] && after.map { ControllerHistory.number($0) } == [2, 3])
        }
    }

    @Test func claimsFollowTheRetentionPolicy() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            let set = try await c.create(statefulSetsInT, statefulSet("web", replicas: 2, claims: ["www"],
                                                                      retention: ["whenDeleted": "Delete", "whenScaled": "Delete"]))
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 2 })
            let claim = try await c.get(claimsInT, "www-web-1")
            #expect(claim.labels["app"] == "web")
            #expect(claim.ownerReferences.map(\.uid) == [set.uid])
            let pod = try await c.get(podsInT, "web-1")
            let volume = (pod[path: ["spec", "volumes"]]?.array ?? []).first { $0["name"] == "www" }
            #expect(volume?[path: ["persistentVolumeClaim", "claimName"]] == "www-web-1")
            #expect(try await eventually(timeout: .seconds(30)) {
                try await c.eventMessages(about: "web").contains { $0 == ("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success") }
            })
            // Scaled away: the claim now belongs to its pod (and goes with it).
            try await c.patch(statefulSetsInT, "web", ["spec": ["replicas": 1]])
            #expect(try await eventually(timeout: .seconds(30)) {
                let refs = try await c.get(claimsInT, "www-web-1").ownerReferences
                return refs.count == 1 && refs[0].kind == "Pod" && refs[0].uid == pod.uid
            })
        }
    }

    @Test func deletingTheSetCollectsItsPodsRevisionsAndDeletableClaims() async throws {
        try await withControllers({ client, informers, events in
            let c = StatefulSetController(client: client, informers: informers, recorder: events.recorder(component: "statefulset-controller"))
            let gc = GarbageCollector(client: client, informers: informers)
            let k = FakeKubelet(client: client)
            // Claims carry the pvc-protection finalizer (admission adds it): its controller lets them go.
            let protection = ClaimProtectionController(client: client, informers: informers)
            return [{ await c.run(workers: 2) }, { await gc.run(workers: 2) }, { await k.run() }, { await protection.run(workers: 1) }]
        }) { cluster in
            let c = cluster.client
            try await c.create(statefulSetsInT, statefulSet("web", replicas: 2, claims: ["www"],
                                                             retention: ["whenDeleted": "Delete", "whenScaled": "Delete"]))
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 2 })
            // Scaled down: web-1's claim goes with web-1.
            try await c.patch(statefulSetsInT, "web", ["spec": ["replicas": 1]])
            #expect(try await eventually(timeout: .seconds(30)) { try await c.items(claimsInT).map(\.name) == ["www-web-0"] })
            try await c.delete(statefulSetsInT, "web")
            #expect(try await eventually(timeout: .seconds(30)) {
                let pods = try await c.items(podsInT), revisions = try await c.items(revisionsInT), claims = try await c.items(claimsInT)
                return pods.isEmpty && revisions.isEmpty && claims.isEmpty
            })
        }
    }

    @Test func onDeleteWaitsForPodsToBeDeleted() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            var spec = statefulSet("web", replicas: 2)
            spec[path: ["spec", "updateStrategy"]] = ["type": "OnDelete"]
            try await c.create(statefulSetsInT, spec)
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "readyReplicas"]] == 2 })
            try await c.patch(statefulSetsInT, "web", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]])
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(statefulSetsInT, "web")[path: ["status", "observedGeneration"]] == 2 })
            #expect(try await c.get(podsInT, "web-1")[path: ["spec", "containers"]]?[0]?["image"] == "nginx:alpine")
            try await c.delete(podsInT, "web-1")
            #expect(try await eventually(timeout: .seconds(30)) {
                (try? await c.get(podsInT, "web-1"))?[path: ["spec", "containers"]]?[0]?["image"] == "nginx:1.27"
            })
        }
    }
}
