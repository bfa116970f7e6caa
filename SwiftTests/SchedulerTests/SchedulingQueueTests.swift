import APIMachinery
import Client
import Testing
@testable import Scheduler

@Suite("SchedulingQueue")
struct SchedulingQueueTests {
    let clock = ManualClock()

    private func queue(_ config: SchedulingQueue.Configuration = .init()) -> SchedulingQueue {
        SchedulingQueue(configuration: config, clock: clock)
    }

    /// Returns once `count` pops are parked in `q`, waiting for a pod.
    private func parked(_ q: SchedulingQueue, _ count: Int) async {
        while q.waitingPops < count { await Task.yield() }
    }

    /// Pops a pod that is known to be ready (fails instead of hanging when none is).
    private func popReady(_ q: SchedulingQueue) async throws -> QueuedPodInfo {
        try #require(q.count > 0 || !q.contents.active.isEmpty, "nothing ready to pop")
        return try #require(await q.pop())
    }

    @Test func higherPriorityFirstThenFIFO() async throws {
        let q = queue()
        q.add(Fixtures.pod("low-1", priority: 0))
        clock.advance(by: .milliseconds(1))
        q.add(Fixtures.pod("high", priority: 1000))
        clock.advance(by: .milliseconds(1))
        q.add(Fixtures.pod("low-2", priority: 0))
        q.add(Fixtures.pod("low-3", priority: 0))
        #expect(q.contents.active == ["uid-high", "uid-low-1", "uid-low-2", "uid-low-3"])
        var order: [String] = []
        for _ in 0..<4 { order.append(try await popReady(q).pod.name) }
        #expect(order == ["high", "low-1", "low-2", "low-3"])
        #expect(q.contents.inFlight.count == 4)
    }

    @Test func popWaitsForAnAdd() async throws {
        let q = queue()
        async let popped = q.pop()
        await parked(q, 1)
        q.add(Fixtures.pod("late"))
        let info = try #require(await popped)
        #expect(info.pod.name == "late")
        #expect(info.attempts == 1)
        #expect(info.initialAttemptTimestamp != nil)
    }

    @Test func closeAndCancellationEndPops() async {
        let q = queue()
        let waiting = Task { await q.pop() }
        await parked(q, 1)
        waiting.cancel()
        #expect(await waiting.value == nil)
        async let popping = q.pop()
        await parked(q, 1)
        q.close()
        #expect(await popping == nil)
        q.add(Fixtures.pod("after"))
        #expect(await q.pop() == nil)
    }

    @Test func backoffDoublesFromOneSecondUpToTen() {
        let q = queue()
        #expect((0...6).map { q.backoffDuration(attempts: $0) }
            == [.zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test func unschedulablePodsWaitForARelevantEvent() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["TaintToleration"])
        #expect(q.contents.unschedulable == ["uid-p"] && q.contents.inFlight.isEmpty)
        // TaintToleration does not care about a deleted pod.
        q.moveAllToActiveOrBackoff(.assignedPodDelete)
        #expect(q.contents.unschedulable == ["uid-p"])
        // A new node may lack the taint. The pod failed just now, so it backs off first.
        q.moveAllToActiveOrBackoff(.nodeAdd)
        #expect(q.contents.backoff == ["uid-p"] && q.contents.unschedulable.isEmpty)
        q.flushBackoffQCompleted()
        #expect(q.contents.backoff == ["uid-p"])
        clock.advance(by: .seconds(1))
        q.flushBackoffQCompleted()
        #expect(q.contents.active == ["uid-p"])
        #expect(try await popReady(q).attempts == 2)
    }

    @Test func resourceRejectionsMoveOnPodDeleteAndNodeUpdates() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["NodeResourcesFit"])
        clock.advance(by: .seconds(5))
        let old = Fixtures.node("n")
        #expect(ClusterEvent.nodeUpdate(old: old, new: old) == nil)
        // A label change alone is not an allocatable change, but NodeResourcesFit registered label updates too.
        let relabelled = ClusterEvent.nodeUpdate(old: old, new: Fixtures.node("n", labels: ["x": "y"]))!
        #expect(relabelled.actionType == .updateNodeLabel)
        q.moveAllToActiveOrBackoff(ClusterEvent.nodeUpdate(old: old, new: Fixtures.node("n", unschedulable: true))!)
        #expect(q.contents.unschedulable == ["uid-p"])
        q.moveAllToActiveOrBackoff(.assignedPodDelete)
        #expect(q.contents.active == ["uid-p"])
    }

    @Test func aMoveRequestDuringTheCycleSendsTheFailureToBackoff() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.moveAllToActiveOrBackoff(.nodeAdd)
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["TaintToleration"])
        #expect(q.contents.backoff == ["uid-p"])
        // Errors (no rejecting plugin) also back off instead of waiting for an event.
        q.add(Fixtures.pod("e"))
        let failed = try await popReady(q)
        q.addUnschedulableIfNotPresent(failed, unschedulablePlugins: [])
        #expect(q.contents.backoff == ["uid-e", "uid-p"])
    }

    @Test func podsLeftUnschedulableAreRetriedAfterFiveMinutes() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        q.addUnschedulableIfNotPresent(try await popReady(q), unschedulablePlugins: ["NodeAffinity"])
        clock.advance(by: .seconds(299))
        q.flushUnschedulablePodsLeftover()
        #expect(q.contents.unschedulable == ["uid-p"])
        clock.advance(by: .seconds(2))
        q.flushUnschedulablePodsLeftover()
        #expect(q.contents.active == ["uid-p"])
    }

    @Test func deletedWhileInFlightIsDropped() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.delete(uid: "uid-p")
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["NodeAffinity"])
        #expect(q.count == 0)
        q.add(Fixtures.pod("x"))
        q.delete(uid: "uid-x")
        #expect(q.contents == SchedulingQueue.Contents(active: [], backoff: [], unschedulable: [], inFlight: []))
    }

    @Test func updatesToUnschedulablePodsRequeueThemOnlyWhenSchedulingInputsChange() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        q.addUnschedulableIfNotPresent(try await popReady(q), unschedulablePlugins: ["NodeAffinity"])
        clock.advance(by: .seconds(30))
        var statusOnly = Fixtures.pod("p")
        statusOnly.nominatedNodeName = "n1"
        q.update(statusOnly)
        #expect(q.contents.unschedulable == ["uid-p"])
        q.update(Fixtures.pod("p", spec: ["nodeSelector": ["zone": "b"]]))
        #expect(q.contents.active == ["uid-p"])
        // A pod found nowhere is added; one in activeQ is updated in place.
        q.update(Fixtures.pod("new"))
        q.update(Fixtures.pod("new", priority: 5))
        #expect(q.contents.active == ["uid-new", "uid-p"])
    }

    @Test func anUpdateDuringTheCycleIsRequeuedAsUpdated() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.update(Fixtures.pod("p", spec: ["tolerations": [["operator": "Exists"]]]))
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["TaintToleration"])
        #expect(q.contents.backoff == ["uid-p"])
        clock.advance(by: .seconds(1))
        q.flushBackoffQCompleted()
        #expect(try await popReady(q).pod.tolerations == [Toleration(operator: "Exists")])
    }

    @Test func schedulingGatesHoldPodsBackUntilRemoved() async throws {
        let q = queue()
        q.add(Fixtures.pod("g", spec: ["schedulingGates": [["name": "wait"]]]))
        #expect(q.contents.unschedulable == ["uid-g"] && q.contents.active.isEmpty)
        q.moveAllToActiveOrBackoff(.wildcard)
        clock.advance(by: .seconds(600))
        q.flushUnschedulablePodsLeftover()
        #expect(q.contents.unschedulable == ["uid-g"])
        q.update(Fixtures.pod("g"))
        #expect(q.contents.active == ["uid-g"])
    }

    @Test func aPodInFlightIsNeverQueuedTwice() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        let info = try await popReady(q)
        q.add(Fixtures.pod("p", priority: 7))
        #expect(q.contents.active.isEmpty)
        q.addUnschedulableIfNotPresent(info, unschedulablePlugins: ["NodeResourcesFit"])
        #expect(q.contents.backoff == ["uid-p"])
    }

    @Test func doneEndsTheFlight() async throws {
        let q = queue()
        q.add(Fixtures.pod("p"))
        _ = try await popReady(q)
        #expect(q.contents.inFlight == ["uid-p"])
        q.done(uid: "uid-p")
        #expect(q.contents.inFlight.isEmpty)
    }

    @Test func eventsMatchRegisteredResourcesAndActions() {
        let fit = ClusterEvent(.node, [.add, .updateNodeAllocatable])
        #expect(ClusterEvent.nodeAdd.matches(fit))
        #expect(!ClusterEvent(.node, .updateNodeTaint).matches(fit))
        #expect(!ClusterEvent(.assignedPod, .add).matches(fit))
        #expect(ClusterEvent.wildcard.matches(fit))
        let profile = SchedulerProfile.defaultProfile().pluginEvents
        #expect(profile.keys.sorted() == ["NodeAffinity", "NodeName", "NodePorts", "NodeResourcesFit", "NodeUnschedulable", "TaintToleration"])
    }
}
