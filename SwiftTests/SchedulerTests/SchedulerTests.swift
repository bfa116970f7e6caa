import APIMachinery
import Testing
@testable import Scheduler

@Suite("scheduleOne")
struct SchedulerTests {
    @Test func feasibleNodeCountFollowsUpstreamsAdaptiveRule() {
        let s = Scheduler(seed: 1)
        #expect(s.numFeasibleNodesToFind(50) == 50)
        #expect(s.numFeasibleNodesToFind(100) == 100)
        #expect(s.numFeasibleNodesToFind(300) == 144)
        #expect(s.numFeasibleNodesToFind(1000) == 420)
        #expect(s.numFeasibleNodesToFind(5000) == 500)
        #expect(s.numFeasibleNodesToFind(6000) == 300)
        #expect(s.numFeasibleNodesToFind(10000) == 500)
        var all = Scheduler(seed: 1)
        all.profile.percentageOfNodesToScore = 100
        #expect(all.numFeasibleNodesToFind(1000) == 1000)
        var fixed = Scheduler(seed: 1)
        fixed.profile.percentageOfNodesToScore = 30
        #expect(fixed.numFeasibleNodesToFind(1000) == 300)
        #expect(fixed.numFeasibleNodesToFind(200) == 100)
    }

    @Test func samplingRotatesThroughTheNodes() throws {
        let snapshot = Snapshot(nodes: (0..<300).map { Fixtures.node("n\($0)") }, pods: [])
        var s = Scheduler(seed: 1)
        let first = try s.scheduleOne(Fixtures.pod("a"), in: snapshot).get()
        #expect(first.feasibleNodes == 144 && first.evaluatedNodes == 144)
        #expect(s.nextStartNodeIndex == 144)
        _ = try s.scheduleOne(Fixtures.pod("b"), in: snapshot).get()
        #expect(s.nextStartNodeIndex == 288)
        _ = try s.scheduleOne(Fixtures.pod("c"), in: snapshot).get()
        #expect(s.nextStartNodeIndex == (288 + 144) % 300)
    }

    @Test func rejectedNodesCountAsEvaluated() throws {
        var nodes = (0..<150).map { Fixtures.node("t\($0)", taints: [Fixtures.controlPlaneTaint]) }
        nodes += (0..<150).map { Fixtures.node("n\($0)") }
        var s = Scheduler(seed: 1)
        let r = try s.scheduleOne(Fixtures.pod("a"), in: Snapshot(nodes: nodes, pods: [])).get()
        #expect(r.feasibleNodes == 144)
        #expect(r.evaluatedNodes == 150 + 144)
        #expect(r.suggestedHost.hasPrefix("n"))
    }

    @Test func tiesAreBrokenAtRandom() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("a"), Fixtures.node("b"), Fixtures.node("c")], pods: [])
        var seen: Set<String> = []
        for seed in 0..<60 as Range<UInt64> {
            var s = Scheduler(seed: seed)
            seen.insert(try s.scheduleOne(Fixtures.pod("p"), in: snapshot).get().suggestedHost)
        }
        #expect(seen == ["a", "b", "c"])
        // Reservoir sampling keeps only maximal totals.
        var s = Scheduler(seed: 5)
        for _ in 0..<50 { #expect(s.selectHost([3, 9, 1, 9, 2]) % 2 == 1) }
    }

    @Test func aSingleFeasibleNodeIsChosenWithoutScoring() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("cp", taints: [Fixtures.controlPlaneTaint]), Fixtures.node("worker")], pods: [])
        var s = Scheduler(seed: 1)
        #expect(try s.scheduleOne(Fixtures.pod("p"), in: snapshot).get()
            == ScheduleResult(suggestedHost: "worker", evaluatedNodes: 2, feasibleNodes: 1))
    }

    @Test func theNominatedNodeIsTriedFirst() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("empty"), Fixtures.node("nominated")],
                                pods: [Fixtures.pod("r", cpu: "3", nodeName: "nominated")])
        var pod = Fixtures.pod("p", cpu: "500m")
        pod.nominatedNodeName = "nominated"
        var s = Scheduler(seed: 1)
        let result = try s.scheduleOne(pod, in: snapshot).get()
        #expect(result == ScheduleResult(suggestedHost: "nominated", evaluatedNodes: 1, feasibleNodes: 1))
        pod.nominatedNodeName = "gone"
        let second = try s.scheduleOne(pod, in: snapshot).get()
        #expect(second.suggestedHost == "empty")
    }

    @Test func assumedPodsTakeRoomForTheNextCycle() throws {
        var snapshot = Snapshot(nodes: [Fixtures.node("a", cpu: "1"), Fixtures.node("b", cpu: "1")], pods: [])
        var s = Scheduler(seed: 4)
        var placed: [String] = []
        for i in 0..<2 {
            let pod = Fixtures.pod("p\(i)", cpu: "800m")
            let host = try s.scheduleOne(pod, in: snapshot).get().suggestedHost
            try snapshot.assume(pod, on: host)
            placed.append(host)
        }
        #expect(Set(placed) == ["a", "b"])
        let third = s.scheduleOne(Fixtures.pod("p2", cpu: "800m"), in: snapshot)
        #expect(third.failure?.fitError?.message.hasPrefix("0/2 nodes are available: 2 Insufficient cpu.") == true)
    }

    @Test func profilesWithoutScorePluginsStillPick() throws {
        var s = Scheduler(profile: SchedulerProfile(filterPlugins: [NodeResourcesFit()]), seed: 2)
        let snapshot = Snapshot(nodes: [Fixtures.node("a", cpu: "1"), Fixtures.node("b")], pods: [])
        let result = try s.scheduleOne(Fixtures.pod("p", cpu: "2"), in: snapshot).get()
        #expect(result.suggestedHost == "b")
        // No PostFilter: no preemption suffix.
        let f = s.scheduleOne(Fixtures.pod("q", cpu: "9"), in: snapshot)
        #expect(f.failure?.description == "0/2 nodes are available: 2 Insufficient cpu.")
    }
}

@Suite("Snapshot")
struct SnapshotTests {
    @Test func buildsNodeInfosWithTotals() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("a"), Fixtures.node("b")], pods: [
            Fixtures.pod("x", cpu: "100m", memory: "1Gi", nodeName: "a"), Fixtures.pod("y", nodeName: "a"),
            Fixtures.pod("pending"), Fixtures.pod("ghost", cpu: "1", nodeName: "c"),
        ])
        let a = try #require(snapshot.nodeInfo(named: "a"))
        #expect(a.pods.map(\.name) == ["x", "y"])
        #expect(a.requested.milliCPU == 100 && a.requested.memory == 1 << 30)
        #expect(a.nonZeroRequested.milliCPU == 200 && a.nonZeroRequested.memory == (1 << 30) + 200 * 1024 * 1024)
        #expect(snapshot.numNodes == 2)
        #expect(!snapshot.contains(podUID: "uid-pending"))
        #expect(snapshot.nodeName(ofPod: "uid-ghost") == "c")
    }

    @Test func terminalPodsAreNotCounted() {
        var done = Fixtures.pod("done", cpu: "1", nodeName: "a")
        done.phase = "Succeeded"
        let snapshot = Snapshot(nodes: [Fixtures.node("a")], pods: [done])
        #expect(snapshot.nodeInfo(named: "a")?.pods.isEmpty == true)
    }

    @Test func assumeAndForget() throws {
        var snapshot = Snapshot(nodes: [Fixtures.node("a")], pods: [])
        let pod = Fixtures.pod("p", cpu: "500m")
        try snapshot.assume(pod, on: "a")
        #expect(snapshot.isAssumed("uid-p"))
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 500)
        #expect(snapshot.nodeInfo(named: "a")?.pods.first?.nodeName == "a")
        #expect(throws: SnapshotError.podAlreadyInCache("default/p")) { try snapshot.assume(pod, on: "a") }
        #expect(throws: SnapshotError.nodeNotFound("zz")) { try snapshot.assume(Fixtures.pod("q"), on: "zz") }
        let forgotten = snapshot.forget(uid: "uid-p")
        #expect(forgotten)
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 0)
        let again = snapshot.forget(uid: "uid-p")
        #expect(!again)
    }

    @Test func theInformerConfirmsAnAssumedPod() throws {
        var snapshot = Snapshot(nodes: [Fixtures.node("a"), Fixtures.node("b")], pods: [])
        let pod = Fixtures.pod("p", cpu: "500m")
        try snapshot.assume(pod, on: "a")
        // The binding landed elsewhere (another scheduler won): the informer's version wins.
        snapshot.addPod(Fixtures.pod("p", cpu: "500m", nodeName: "b"))
        #expect(!snapshot.isAssumed("uid-p"))
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 0)
        #expect(snapshot.nodeInfo(named: "b")?.requested.milliCPU == 500)
        let forgotten = snapshot.forget(uid: "uid-p")
        #expect(!forgotten)
        snapshot.removePod(uid: "uid-p")
        #expect(snapshot.nodeInfo(named: "b")?.pods.isEmpty == true)
    }

    @Test func podsOutliveTheirNodeUntilItReturns() {
        var snapshot = Snapshot(nodes: [Fixtures.node("a"), Fixtures.node("b")], pods: [Fixtures.pod("x", cpu: "1", nodeName: "a")])
        snapshot.removeNode(named: "a")
        #expect(snapshot.numNodes == 1 && snapshot.nodeInfo(named: "b") != nil && snapshot.nodeInfo(named: "a") == nil)
        snapshot.addNode(Fixtures.node("a"))
        #expect(snapshot.nodeInfo(named: "a")?.requested.milliCPU == 1000)
        snapshot.updateNode(Fixtures.node("a", cpu: "8"))
        #expect(snapshot.nodeInfo(named: "a")?.allocatable.milliCPU == 8000)
        #expect(snapshot.nodeInfo(named: "a")?.pods.count == 1)
    }
}
