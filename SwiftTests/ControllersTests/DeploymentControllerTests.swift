import APIMachinery
import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct DeploymentControllerTests {
    /// Deployment and ReplicaSet controllers plus a kubelet that makes every pod ready.
    func controllers(kubelet ready: Bool = true) -> (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void] {
        { client, informers, events in
            let rsc = ReplicaSetController(client: client, informers: informers, recorder: events.recorder(component: "replicaset-controller"))
            let dc = DeploymentController(client: client, informers: informers, recorder: events.recorder(component: "deployment-controller"))
            let kubelet = FakeKubelet(client: client)
            ControllerQueues.track(rsc.queue, workers: 2)
            ControllerQueues.track(dc.queue, workers: 2)
            var runs: [@Sendable () async -> Void] = [{ await rsc.run(workers: 2) }, { await dc.run(workers: 2) }]
            if ready { runs.append { await kubelet.run() } }
            return runs
        }
    }

    static let rolling: JSON = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]

    func nginx(replicas: Int64 = 3, strategy: JSON = rolling, image: String = "nginx:alpine", deadline: Int64 = 600, historyLimit: Int64 = 10) -> JSON {
        var d = deployment("nginx", replicas: replicas, labels: ["app": "nginx"], image: image, strategy: strategy)
        d[path: ["spec", "progressDeadlineSeconds"]] = .int(deadline)
        d[path: ["spec", "revisionHistoryLimit"]] = .int(historyLimit)
        return d
    }

    func ownedReplicaSets(_ c: KubeClient, _ d: JSON) async throws -> [JSON] {
        try await c.items(replicaSetsInT).filter { $0.controllerRef?.uid == d.uid }
    }

    func condition(_ d: JSON, _ type: String) -> JSON? { DeploymentUtil.condition(d["status"], type) }

    func isComplete(_ c: KubeClient, replicas: Int64 = 3) async throws -> Bool {
        let d = try await c.get(deploymentsInT, "nginx")
        let s = d["status"] ?? [:]
        // Of the current spec: a status observed before the last change does not count.
        return s["observedGeneration"]?.int ?? 0 >= d.generation && s["replicas"]?.int == replicas && s["updatedReplicas"]?.int == replicas && s["availableReplicas"]?.int == replicas
            && s["readyReplicas"]?.int == replicas && condition(d, "Progressing")?["reason"]?.string == "NewReplicaSetAvailable"
    }

    @Test func createsReplicaSetAndPodsThenScales() async throws {
        try await withControllers(controllers()) { cluster in
            let c = cluster.client
            let d = try await c.create(deploymentsInT, nginx())
            #expect(try await eventually { try await ownedReplicaSets(c, d).count == 1 })
            let rs = try #require(try await ownedReplicaSets(c, d).first)
            let hash = try #require(rs.labels["pod-template-hash"])
            #expect(rs.name == "nginx-\(hash)")
            #expect((6...10).contains(hash.count))
            #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
            #expect(rs[path: ["spec", "selector", "matchLabels"]] == ["app": "nginx", "pod-template-hash": .string(hash)])
            #expect(rs.annotations["deployment.kubernetes.io/revision"] == "1")
            #expect(rs.annotations["deployment.kubernetes.io/desired-replicas"] == "3")
            #expect(rs.annotations["deployment.kubernetes.io/max-replicas"] == "4")
            #expect(rs.controllerRef?.kind == "Deployment")

            #expect(try await eventually { try await isComplete(c) })
            let done = try await c.get(deploymentsInT, "nginx")
            #expect(done.annotations["deployment.kubernetes.io/revision"] == "1")
            #expect(done[path: ["status", "observedGeneration"]] == done[path: ["metadata", "generation"]])
            let available = try #require(condition(done, "Available"))
            #expect(available["status"] == "True" && available["reason"] == "MinimumReplicasAvailable")
            #expect(available["message"] == "Deployment has minimum availability.")
            let progressing = try #require(condition(done, "Progressing"))
            #expect(progressing["status"] == "True")
            #expect(progressing["message"]?.string == "ReplicaSet \"\(rs.name)\" has successfully progressed.")
            let pods = try await c.items(podsInT, labelSelector: "pod-template-hash=\(hash)")
            #expect(pods.count == 3 && pods.allSatisfy { $0.name.hasPrefix(rs.name + "-") })
            #expect(try await eventually {
                try await c.eventMessages(about: "nginx").contains { $0 == ("ScalingReplicaSet", "Scaled up replica set \(rs.name) from 0 to 3") }
            })

            // Scale through the scale subresource, as `kubectl scale` does.
            try await c.patch(deploymentsInT, "nginx", ["spec": ["replicas": 5]], subresource: "scale")
            #expect(try await eventually { try await isComplete(c, replicas: 5) })
            let scaled = try await c.get(replicaSetsInT, rs.name)
            #expect(scaled[path: ["spec", "replicas"]]?.int == 5)
            #expect(scaled.annotations["deployment.kubernetes.io/desired-replicas"] == "5")
            #expect(try await ownedReplicaSets(c, d).count == 1)
            #expect(try await eventually {
                try await c.eventMessages(about: "nginx").contains { $0 == ("ScalingReplicaSet", "Scaled up replica set \(rs.name) from 3 to 5") }
            })
        }
    }

    @Test func rollingUpdateWithoutUnavailabilityThenRollback() async throws {
        try await withControllers(controllers()) { cluster in
            let c = cluster.client
            let strategy: JSON = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]]
            var spec = nginx(strategy: strategy)
            spec[path: ["metadata", "annotations"]] = ["kubernetes.io/change-cause": "first"]
            let d = try await c.create(deploymentsInT, spec)
            #expect(try await eventually { try await isComplete(c) })
            let first = try #require(try await ownedReplicaSets(c, d).first)

            // Watch the ready, non-terminating pods all through the rollout.
            let lowest = Mutex(Int.max)
            let monitor = Background {
                while !Task.isCancelled {
                    if let pods = try? await c.items(podsInT) {
                        let ready = pods.filter { !$0.isBeingDeleted && PodState.isReady($0) }.count
                        lowest.withLock { $0 = min($0, ready) }
                    }
                    // Stays: the sampling interval of this monitor, which watches the ready count throughout.
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            try await c.patch(deploymentsInT, "nginx", [
                "metadata": ["annotations": ["kubernetes.io/change-cause": "second"]],
                "spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]],
            ])
            #expect(try await eventually {
                let rss = try await ownedReplicaSets(c, d)
                return rss.count == 2 && rss.first { $0.uid == first.uid }?[path: ["spec", "replicas"]]?.int == 0
            })
            #expect(try await eventually { try await isComplete(c) })
            await monitor.stop()
            let floor = lowest.withLock { $0 }
            #expect(floor >= 3 && floor != Int.max)

            let second = try #require(try await ownedReplicaSets(c, d).first { $0.uid != first.uid })
            #expect(second.annotations["deployment.kubernetes.io/revision"] == "2")
            #expect(second.annotations["kubernetes.io/change-cause"] == "second")
            #expect(try await c.get(replicaSetsInT, first.name).annotations["deployment.kubernetes.io/revision"] == "1")
            #expect(try await c.get(deploymentsInT, "nginx").annotations["deployment.kubernetes.io/revision"] == "2")
            #expect(try await eventually {
                let events = try await c.eventMessages(about: "nginx").map(\.1)
                return events.contains("Scaled up replica set \(second.name) from 0 to 1")
                    && events.contains("Scaled down replica set \(first.name) from 3 to 2")
            })

            // Roll back as `kubectl rollout undo` does: the old template goes back into the Deployment.
            var template = try #require(first[path: ["spec", "template"]])
            template[path: ["metadata", "labels", "pod-template-hash"]] = nil
            try await c.patch(deploymentsInT, "nginx", ["spec": ["template": template]])
            #expect(try await eventually {
                let back = try await c.get(replicaSetsInT, first.name)
                return back.annotations["deployment.kubernetes.io/revision"] == "3" && back[path: ["spec", "replicas"]]?.int == 3
            })
            #expect(try await eventually { try await isComplete(c) })
            let back = try await c.get(replicaSetsInT, first.name)
            #expect(back.annotations["deployment.kubernetes.io/revision-history"] == "1")
            #expect(try await c.get(replicaSetsInT, second.name)[path: ["spec", "replicas"]]?.int == 0)
            #expect(try await c.get(deploymentsInT, "nginx").annotations["deployment.kubernetes.io/revision"] == "3")
            #expect(try await ownedReplicaSets(c, d).count == 2)
        }
    }

    @Test func recreateScalesOldToZeroBeforeCreatingNew() async throws {
        try await withControllers(controllers()) { cluster in
            let c = cluster.client
            let d = try await c.create(deploymentsInT, nginx(replicas: 2, strategy: ["type": "Recreate"]))
            #expect(try await eventually { try await isComplete(c, replicas: 2) })
            let first = try #require(try await ownedReplicaSets(c, d).first)
            try await c.patch(deploymentsInT, "nginx", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]])
            #expect(try await eventually { try await ownedReplicaSets(c, d).count == 2 })
            #expect(try await eventually { try await isComplete(c, replicas: 2) })
            let second = try #require(try await ownedReplicaSets(c, d).first { $0.uid != first.uid })
            // The new ReplicaSet was only created once the old one was empty: it began at full size.
            #expect(try await eventually {
                let events = try await c.eventMessages(about: "nginx").map(\.1)
                return events.contains("Scaled down replica set \(first.name) from 2 to 0")
                    && events.contains("Scaled up replica set \(second.name) from 0 to 2")
            })
        }
    }

    @Test func pausedDeploymentDoesNotRollOutUntilResumed() async throws {
        try await withControllers(controllers()) { cluster in
            let c = cluster.client
            let d = try await c.create(deploymentsInT, nginx(replicas: 2))
            #expect(try await eventually { try await isComplete(c, replicas: 2) })
            try await c.patch(deploymentsInT, "nginx", ["spec": ["paused": true, "template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]])
            #expect(try await eventually {
                let p = condition(try await c.get(deploymentsInT, "nginx"), "Progressing")
                return p?["reason"] == "DeploymentPaused" && p?["status"] == "Unknown" && p?["message"] == "Deployment is paused"
            })
            #expect(try await cluster.quiesced())
            #expect(try await ownedReplicaSets(c, d).count == 1)
            try await c.patch(deploymentsInT, "nginx", ["spec": ["paused": false]])
            #expect(try await eventually { try await ownedReplicaSets(c, d).count == 2 })
            #expect(try await eventually { try await isComplete(c, replicas: 2) })
        }
    }

    @Test func revisionHistoryLimitDeletesOldIdleReplicaSets() async throws {
        try await withControllers(controllers()) { cluster in
            let c = cluster.client
            let d = try await c.create(deploymentsInT, nginx(replicas: 1, historyLimit: 1))
            for image in ["nginx:1", "nginx:2", "nginx:3"] {
                #expect(try await eventually { try await isComplete(c, replicas: 1) })
                try await c.patch(deploymentsInT, "nginx", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": .string(image)]]]]]])
            }
            #expect(try await eventually { try await isComplete(c, replicas: 1) })
            #expect(try await eventually {
                let rss = try await ownedReplicaSets(c, d)
                return Set(rss.compactMap { $0.annotations["deployment.kubernetes.io/revision"] }) == ["3", "4"]
            })
        }
    }

    @Test func progressDeadlineExceededWhenPodsNeverBecomeReady() async throws {
        try await withControllers(controllers(kubelet: false)) { cluster in
            let c = cluster.client
            _ = try await c.create(deploymentsInT, nginx(replicas: 1, deadline: 1))
            #expect(try await eventually(timeout: .seconds(8)) {
                let d = try await c.get(deploymentsInT, "nginx")
                let p = condition(d, "Progressing")
                return p?["status"] == "False" && p?["reason"] == "ProgressDeadlineExceeded"
                    && (p?["message"]?.string ?? "").hasSuffix("has timed out progressing.")
            })
            let d = try await c.get(deploymentsInT, "nginx")
            #expect(condition(d, "Available")?["reason"] == "MinimumReplicasUnavailable")
            #expect(d[path: ["status", "unavailableReplicas"]]?.int == 1)
        }
    }
}

@Suite struct DeploymentUtilTests {
    @Test func percentagesRoundSurgeUpAndUnavailabilityDown() throws {
        #expect(try DeploymentUtil.scaledValue("25%", total: 10, roundUp: true) == 3)
        #expect(try DeploymentUtil.scaledValue("25%", total: 10, roundUp: false) == 2)
        #expect(try DeploymentUtil.scaledValue(4, total: 10, roundUp: false) == 4)
        #expect(throws: DeploymentUtil.InvalidIntOrPercent.self) { try DeploymentUtil.scaledValue("25", total: 10, roundUp: true) }
        #expect(throws: DeploymentUtil.InvalidIntOrPercent.self) { try DeploymentUtil.scaledValue("x%", total: 10, roundUp: true) }
        // Both zero: one may be unavailable, or a rollout could never start.
        let d: JSON = ["spec": ["replicas": 1, "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "10%", "maxUnavailable": "10%"]]]]
        #expect(DeploymentUtil.resolveFenceposts(d, desired: 1) == (surge: 1, unavailable: 0))
        let zero: JSON = ["spec": ["replicas": 3, "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 0]]]]
        #expect(DeploymentUtil.maxUnavailable(zero) == 1)
        #expect(DeploymentUtil.maxSurge(["spec": ["replicas": 3, "strategy": ["type": "Recreate"]]]) == 0)
    }

    @Test func templateHashIsStableAndSensitive() {
        let t = podTemplate(labels: ["app": "x"])
        let h = PodTemplateHash.compute(t, collisionCount: nil)
        #expect(h == PodTemplateHash.compute(t, collisionCount: nil))
        #expect(h != PodTemplateHash.compute(podTemplate(labels: ["app": "x"], image: "other"), collisionCount: nil))
        #expect(h != PodTemplateHash.compute(t, collisionCount: 1))
        // Upstream's SafeEncodeString maps each decimal digit (byte % 27) into its alphabet.
        #expect(PodTemplateHash.safeEncode("0123456789") == "456789bcdf")
    }

    @Test func revisionHistoryKeepsReplacedRevisions() {
        let d: JSON = ["metadata": ["annotations": ["kubernetes.io/change-cause": "undo"]], "spec": ["replicas": 1]]
        var rs: JSON = ["metadata": ["annotations": ["deployment.kubernetes.io/revision": "1"]]]
        #expect(DeploymentUtil.setNewReplicaSetAnnotations(d, &rs, newRevision: 3, exists: true))
        #expect(rs.annotations["deployment.kubernetes.io/revision"] == "3")
        #expect(rs.annotations["deployment.kubernetes.io/revision-history"] == "1")
        #expect(rs.annotations["kubernetes.io/change-cause"] == "undo")
        #expect(DeploymentUtil.setNewReplicaSetAnnotations(d, &rs, newRevision: 5, exists: true))
        #expect(rs.annotations["deployment.kubernetes.io/revision-history"] == "1,3")
        // Nothing new: no change.
        #expect(!DeploymentUtil.setNewReplicaSetAnnotations(d, &rs, newRevision: 5, exists: true))
    }
}
