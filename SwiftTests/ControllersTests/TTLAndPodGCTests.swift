import APIMachinery
@testable import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// TTL-after-finished and pod GC on a `ManualClock`.
@Suite(.timeLimit(.minutes(1)))
struct TTLAndPodGCTests {
    let clock = ManualClock()
    let wall: WallClock
    let gc = Holder<PodGCController>()

    init() { wall = WallClock(clock: clock) }

    static let jobsInT = ResourcePath.jobs.inNamespace("t")

    @Test func finishedJobsGoTheirTTLAfterFinishing() async throws {
        try await withControllers({ client, informers, _ in
            let c = TTLAfterFinishedController(client: client, informers: informers, clock: wall)
            return [{ await c.run(workers: 1) }]
        }) { cluster in
            let c = cluster.client
            let job: JSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "ttl"],
                             "spec": ["ttlSecondsAfterFinished": 5,
                                      "template": ["spec": ["containers": [["name": "c", "image": "busybox:1.35"]], "restartPolicy": "Never"]]]]
            try await c.create(Self.jobsInT, job)
            let t = JSON.string(RFC3339.time(wall.now))
            try await c.patch(Self.jobsInT, "ttl", ["status": ["conditions": [["type": "Complete", "status": "True", "lastTransitionTime": t]]]],
                              subresource: "status")
            // Due 5 s after the finish (whose timestamp has whole seconds).
            await clock.waitForSleepers { $0.contains { $0 > .seconds(4) && $0 <= .seconds(5) } }
            #expect(try await c.get(Self.jobsInT, "ttl").isBeingDeleted == false)
            clock.advance(by: .seconds(5))
            // Deleted in the foreground (no garbage collector here finishes it).
            #expect(try await eventually {
                let j = try await c.get(Self.jobsInT, "ttl")
                return j.isBeingDeleted && j.finalizers == ["foregroundDeletion"]
            })
        }
    }

    @Test func podsOfMissingNodesAndUnscheduledTerminatingPodsAreCollected() async throws {
        try await withControllers({ client, informers, _ in
            let c = PodGCController(client: client, informers: informers, terminatedPodThreshold: 1, clock: wall)
            gc.set(c)
            return []
        }) { cluster in
            let c = cluster.client
            let controller = gc.get()!
            func pod(_ name: String, node: String? = nil, finalizers: [String] = []) -> JSON {
                var p: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                               "spec": ["containers": [["name": "c", "image": "busybox:1.35"]]]]
                if let node { p[path: ["spec", "nodeName"]] = .string(node) }
                if !finalizers.isEmpty { p[path: ["metadata", "finalizers"]] = .array(finalizers.map(JSON.string)) }
                return p
            }
            try await c.create(podsInT, pod("orphan", node: "gone"))
            try await c.create(podsInT, pod("stuck", finalizers: ["example.com/hold"]))
            try await c.delete(podsInT, "stuck")
            for (i, name) in ["done-1", "done-2", "done-3"].enumerated() {
                try await c.create(podsInT, pod(name))
                try await c.patch(podsInT, name, ["status": ["phase": i == 0 ? "Failed" : "Succeeded"]], subresource: "status")
            }
            #expect(await eventually { controller.pods.store.list().count == 5 && controller.pods.store.list().filter(PodGCController.isTerminated).count == 3 })
            // The missing node is quarantined first.
            await controller.gc()
            #expect(try await c.get(podsInT, "orphan").name == "orphan")
            clock.advance(by: .seconds(41))
            await controller.gc()
            #expect(try await eventually { (try? await c.get(podsInT, "orphan")) == nil })
            // Terminated pods over the threshold of 1: the two oldest go.
            #expect(try await c.items(podsInT).filter { $0.name.hasPrefix("done-") }.map(\.name) == ["done-3"])
            // The unscheduled terminating pod was marked Failed and deleted at once (its finalizer still holds it).
            let stuck = try await c.get(podsInT, "stuck")
            #expect(stuck[path: ["status", "phase"]]?.string == "Failed")
            #expect(stuck[path: ["metadata", "deletionGracePeriodSeconds"]]?.int == 0)
        }
    }
}
