import APIMachinery
@testable import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

/// A ReplicaSet whose pods admission refuses, with the controller's retries on a `ManualClock`: the test
/// steps the clock from one parked retry to the next, so "how many creates in ten seconds" is counted in
/// simulated time, independent of the machine's speed.
@Suite(.timeLimit(.minutes(1)))
struct ReplicaSetBackoffTests {
    let clock = ManualClock()
    let running = Holder<ReplicaSetController>()

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rsc = ReplicaSetController(kind: .replicaSet, client: client, informers: informers,
                                       recorder: events.recorder(component: "replicaset-controller"),
                                       logger: .init(label: "replicaset-backoff-tests"), clock: clock)
        running.set(rsc)
        return [{ await rsc.run(workers: 2) }]
    }

    /// The ReplicaSet controller on the manual clock, and the Deployment controller on real time.
    func withDeployments(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let dc = DeploymentController(client: client, informers: informers, recorder: events.recorder(component: "deployment-controller"))
        return controllers(client, informers, events) + [{ await dc.run(workers: 2) }]
    }

    /// Five replicas of a privileged pod: every one violates the `restricted` level.
    func privileged(_ object: JSON) -> JSON {
        var o = object
        o[path: ["spec", "template", "spec", "containers"]] = [
            ["name": "web", "image": "nginx:alpine", "securityContext": ["privileged": true]],
        ]
        return o
    }

    func restrict(_ c: KubeClient, to level: String) async throws {
        _ = try await c.patch(.namespaces, "t", ["metadata": ["labels": ["pod-security.kubernetes.io/enforce": .string(level)]]])
    }

    func failedCreates(_ c: KubeClient, about name: String) async throws -> [JSON] {
        try await c.items(eventsInT).filter { $0[path: ["involvedObject", "name"]]?.string == name && $0["reason"]?.string == "FailedCreate" }
    }

    /// The create attempts the FailedCreate events record (repeats of one message are one Event's count).
    func failedCreateCount(_ c: KubeClient, about name: String) async throws -> Int {
        try await failedCreates(c, about: name).reduce(0) { $0 + Int($1["count"]?.int ?? 1) }
    }

    /// Ten simulated seconds, stepping from each parked retry to the next. Upstream's limiter retries at
    /// 5, 15, 35, ... 5115ms: about a dozen syncs, never the hundreds a tight loop makes. Returns the
    /// failed syncs counted by the queue's rate limiter.
    func stepTenSeconds(_ rsc: ReplicaSetController, key: String) async throws -> Int {
        var elapsed = Duration.zero
        while true {
            await clock.waitForSleepers(count: 1)
            let next = try #require(clock.pendingSleeps.first)
            guard elapsed + next <= .seconds(10) else { break }
            clock.advance(by: next)
            elapsed += next
        }
        // The next retry is five seconds or more away: the backoff has grown past the interval's half.
        #expect(clock.pendingSleeps.first.map { $0 >= .seconds(5) } == true)
        return rsc.queue.numRequeues(key)
    }

    @Test func refusedCreatesBackOffExponentiallyAndRecoverOnceAdmitted() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await restrict(c, to: "restricted")
            _ = try await c.create(replicaSetsInT, privileged(replicaSet("web", replicas: 5)))
            let rsc = try #require(running.get())

            let failedSyncs = try await stepTenSeconds(rsc, key: "t/web")
            #expect((10...13).contains(failedSyncs), "failed syncs in 10s: \(failedSyncs)")

            // Slow start: each sync stops at its first refused create instead of trying all five, so the
            // creates equal the failed syncs. Each is upstream's event.
            // The sync the first status write queued runs on real time and may come after the stepping
            // (which takes milliseconds): the creates are compared with the failed syncs once both settle.
            let creates = try await eventually { try await failedCreateCount(c, about: "web") == rsc.queue.numRequeues("t/web") }
            let createCount = try await failedCreateCount(c, about: "web")
            #expect(creates, "creates \(createCount), failed syncs \(rsc.queue.numRequeues("t/web"))")
            #expect(rsc.queue.numRequeues("t/web") <= 13)
            let events = try await failedCreates(c, about: "web")
            // Each refused create names its pod, so from the tenth message on client-go's aggregator folds
            // them into one "(combined from similar events)" Event whose count grows.
            let combinedPrefix = "(combined from similar events): "
            for e in events {
                var message = e["message"]?.string ?? ""
                if message.hasPrefix(combinedPrefix) { message.removeFirst(combinedPrefix.count) }
                #expect(e["type"]?.string == "Warning")
                #expect(message.hasPrefix("Error creating: pods \"web-") && message.contains("\" is forbidden: violates PodSecurity \"restricted:latest\""),
                        "\(message)")
            }
            let combined = events.filter { ($0["message"]?.string ?? "").hasPrefix(combinedPrefix) }
            #expect(combined.count == (createCount >= 10 ? 1 : 0), "\(combined.count) combined events for \(createCount) creates")
            #expect(try await eventually {
                let status = try await c.get(replicaSetsInT, "web")["status"]
                let failure = status?["conditions"]?.array?.first { $0["type"]?.string == "ReplicaFailure" }
                return failure?["reason"]?.string == "FailedCreate" && failure?["status"]?.string == "True"
            })
            #expect(try await c.items(podsInT).isEmpty)

            // Once the namespace admits the pods, the pending retry creates them all and the backoff is
            // forgotten.
            try await restrict(c, to: "privileged")
            clock.advance(by: try #require(clock.pendingSleeps.first))
            #expect(try await eventually { try await c.items(podsInT).count == 5 })
            #expect(try await eventually { rsc.queue.numRequeues("t/web") == 0 })
            #expect(try await eventually {
                let status = try await c.get(replicaSetsInT, "web")["status"]
                return status?["replicas"]?.int == 5 && status?["conditions"] == nil
            })
        }
    }

    /// The reported case: a Deployment whose pods the namespace refuses. The Deployment controller's
    /// writes (the ReplicaFailure condition it copies) must not requeue the ReplicaSet into a tight loop.
    @Test func aDeploymentsRefusedPodsAreRetriedWithBackoff() async throws {
        try await withControllers(withDeployments) { cluster in
            let c = cluster.client
            try await restrict(c, to: "restricted")
            _ = try await c.create(deploymentsInT, privileged(deployment("web", replicas: 3)))
            #expect(try await eventually { try await c.items(replicaSetsInT).count == 1 })
            let rs = try #require(try await c.items(replicaSetsInT).first)
            let rsc = try #require(running.get())

            let failedSyncs = try await stepTenSeconds(rsc, key: "t/\(rs.name)")
            #expect((10...13).contains(failedSyncs), "failed syncs in 10s: \(failedSyncs)")
            // The Deployment controller's writes to the ReplicaSet queue syncs of their own, on real time:
            // the creates are compared with the failed syncs once both have settled.
            #expect(try await eventually { try await failedCreateCount(c, about: rs.name) == rsc.queue.numRequeues("t/\(rs.name)") })
            #expect(rsc.queue.numRequeues("t/\(rs.name)") <= 13)
            #expect(try await eventually {
                let status = try await c.get(deploymentsInT, "web")["status"]
                let failure = status?["conditions"]?.array?.first { $0["type"]?.string == "ReplicaFailure" }
                return failure?["reason"]?.string == "FailedCreate"
            })
        }
    }
}
