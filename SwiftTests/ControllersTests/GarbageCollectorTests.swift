import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct GarbageCollectorTests {
    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rsc = ReplicaSetController(client: client, informers: informers, recorder: events.recorder(component: "replicaset-controller"))
        let dc = DeploymentController(client: client, informers: informers, recorder: events.recorder(component: "deployment-controller"))
        let gc = GarbageCollector(client: client, informers: informers)
        ControllerQueues.track(rsc.queue, workers: 2)
        ControllerQueues.track(dc.queue, workers: 2)
        ControllerQueues.track(gc.queue, workers: 4)
        return [{ await rsc.run(workers: 2) }, { await dc.run(workers: 2) }, { await gc.run(workers: 4) }]
    }

    func startDeployment(_ c: KubeClient) async throws -> (deployment: JSON, rs: JSON) {
        var d = deployment("web", replicas: 2)
        d[path: ["spec", "progressDeadlineSeconds"]] = 600
        let created = try await c.create(deploymentsInT, d)
        #expect(try await eventually {
            let rss = try await c.items(replicaSetsInT)
            guard rss.count == 1 else { return false }
            return try await c.items(podsInT).filter { $0.controllerRef?.uid == rss[0].uid }.count == 2
        })
        return (created, try #require(try await c.items(replicaSetsInT).first))
    }

    @discardableResult
    func delete(_ c: KubeClient, _ path: ResourcePath, _ name: String, policy: String) async throws -> JSON {
        try await c.delete(path, name, options: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(policy)])
    }

    @Test func backgroundDeletionRemovesReplicaSetsAndPods() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            _ = try await startDeployment(c)
            try await delete(c, deploymentsInT, "web", policy: "Background")
            #expect(try await eventually {
                let rss = try await c.items(replicaSetsInT), pods = try await c.items(podsInT)
                return rss.isEmpty && pods.isEmpty
            })
        }
    }

    @Test func orphanDeletionLeavesDependentsWithoutTheOwner() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let (d, rs) = try await startDeployment(c)
            try await delete(c, deploymentsInT, "web", policy: "Orphan")
            #expect(try await eventually { (try? await c.get(deploymentsInT, "web")) == nil })
            #expect(try await eventually {
                let left = try await c.get(replicaSetsInT, rs.name)
                return left.ownerReferences.isEmpty
            })
            #expect(try await cluster.quiesced())
            let pods = try await c.items(podsInT)
            #expect(pods.count == 2 && pods.allSatisfy { $0.controllerRef?.uid == rs.uid })
            #expect(try await c.get(replicaSetsInT, rs.name).uid == rs.uid)
            #expect(d.uid != rs.uid)
        }
    }

    @Test func foregroundDeletionRemovesDependentsFirst() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            _ = try await startDeployment(c)
            // Until its dependents are gone the Deployment stays, marked for deletion.
            let marked = try await delete(c, deploymentsInT, "web", policy: "Foreground")
            #expect(marked.isBeingDeleted && marked.finalizers.contains("foregroundDeletion"))
            #expect(try await eventually {
                (try? await c.get(deploymentsInT, "web")) == nil
            })
            #expect(try await c.items(replicaSetsInT).isEmpty)
            #expect(try await c.items(podsInT).isEmpty)
        }
    }

    @Test func objectsWithALiveOwnerStayAndLoseOnlyDanglingReferences() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let cms = ResourcePath.configmaps.inNamespace("t")
            let owner = try await c.create(cms, configMap("owner"))
            let gone = try await c.create(cms, configMap("gone"))
            func ref(_ o: JSON) -> JSON { ["apiVersion": "v1", "kind": "ConfigMap", "name": .string(o.name), "uid": .string(o.uid)] }
            var both = configMap("both")
            both[path: ["metadata", "ownerReferences"]] = [ref(owner), ref(gone)]
            try await c.create(cms, both)
            var onlyGone = configMap("only-gone")
            onlyGone[path: ["metadata", "ownerReferences"]] = [ref(gone)]
            try await c.create(cms, onlyGone)
            // An owner reference to a kind the collector does not know is left alone.
            var unknown = configMap("unknown-owner")
            unknown[path: ["metadata", "ownerReferences"]] = [["apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "1234"]]
            try await c.create(cms, unknown)

            try await c.delete(cms, "gone")
            #expect(try await eventually { (try? await c.get(cms, "only-gone")) == nil })
            #expect(try await eventually { try await c.get(cms, "both").ownerReferences.map(\.uid) == [owner.uid] })
            #expect(try await c.get(cms, "unknown-owner").ownerReferences.count == 1)
            #expect(gone.uid != owner.uid)
        }
    }

    func configMap(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "t"], "data": ["k": "v"]]
    }
}
