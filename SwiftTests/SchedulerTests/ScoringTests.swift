import APIMachinery
import Testing
@testable import Scheduler

@Suite("Score plugins")
struct ScoringTests {
    private func score(_ plugin: some ScorePlugin, _ pod: PodView, _ node: NodeView, pods: [PodView] = []) -> Int64 {
        plugin.score(pod: pod, nodeInfo: NodeInfo(node: node, pods: pods), state: CycleState())
    }

    @Test func leastAllocatedIsTheMeanFreeFraction() {
        // cpu: (4000 - 1000 - 1000) * 100 / 4000 = 50; memory: (8Gi - 2Gi - 2Gi) * 100 / 8Gi = 50.
        let node = Fixtures.node("n", cpu: "4", memory: "8Gi")
        let running = Fixtures.pod("r", cpu: "1", memory: "2Gi", nodeName: "n")
        #expect(score(NodeResourcesFit(), Fixtures.pod("p", cpu: "1", memory: "2Gi"), node, pods: [running]) == 50)
        // cpu 3000/4000 free → 75, memory 7Gi/8Gi free → 87 (integer division per resource) → (75+87)/2 = 81.
        #expect(score(NodeResourcesFit(), Fixtures.pod("p", cpu: "1", memory: "1Gi"), node) == 81)
        // Over-committed resources score 0.
        #expect(score(NodeResourcesFit(), Fixtures.pod("p", cpu: "5", memory: "16Gi"), node) == 0)
    }

    @Test func requestlessPodsScoreAsHundredMilliAndTwoHundredMi() {
        // 100m of 1000m → 90; 200Mi of 1000Mi → 80 → 85.
        let node = Fixtures.node("n", cpu: "1", memory: "1000Mi")
        #expect(score(NodeResourcesFit(), Fixtures.pod("p"), node) == 85)
    }

    @Test func mostAllocatedFavoursFullerNodes() {
        let node = Fixtures.node("n", cpu: "4", memory: "8Gi")
        #expect(score(NodeResourcesFit(strategy: .mostAllocated), Fixtures.pod("p", cpu: "1", memory: "2Gi"), node) == 25)
    }

    @Test func balancedAllocationPenalisesLopsidedUse() {
        let node = Fixtures.node("n", cpu: "4", memory: "8Gi")
        // cpu 50%, memory 50% → std 0 → 100.
        #expect(score(BalancedAllocation(), Fixtures.pod("p", cpu: "2", memory: "4Gi"), node) == 100)
        // cpu 75%, memory 25% → std 0.25 → 75.
        #expect(score(BalancedAllocation(), Fixtures.pod("p", cpu: "3", memory: "2Gi"), node) == 75)
        // Fractions are capped at 1: cpu 200% → 1, memory 0 → std 0.5 → 50.
        #expect(score(BalancedAllocation(), Fixtures.pod("p", cpu: "8"), node) == 50)
        // Existing requests count; request-less pods get no defaults here.
        let running = Fixtures.pod("r", cpu: "2", nodeName: "n")
        #expect(score(BalancedAllocation(), Fixtures.pod("p"), node, pods: [running]) == 75)
    }

    @Test func taintTolerationScoreCountsPreferNoScheduleInReverse() {
        let soft: JSON = ["key": "soft", "effect": "PreferNoSchedule"]
        let nodes = [Fixtures.node("clean"), Fixtures.node("one", taints: [soft]),
                     Fixtures.node("two", taints: [soft, ["key": "other", "effect": "PreferNoSchedule"]])]
        let plugin = TaintToleration()
        let pod = Fixtures.pod("p")
        var scores = nodes.map { score(plugin, pod, $0) }
        #expect(scores == [0, 1, 2])
        plugin.normalizeScores(&scores, pod: pod, state: CycleState())
        #expect(scores == [100, 50, 0])
        let tolerant = Fixtures.pod("t", spec: ["tolerations": [["key": "soft", "operator": "Exists", "effect": "PreferNoSchedule"]]])
        #expect(nodes.map { score(plugin, tolerant, $0) } == [0, 0, 1])
        var zeros: [Int64] = [0, 0]
        plugin.normalizeScores(&zeros, pod: pod, state: CycleState())
        #expect(zeros == [100, 100])
    }

    @Test func schedulerPrefersTheEmptierNode() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("busy"), Fixtures.node("empty")],
                                pods: [Fixtures.pod("r1", cpu: "3", memory: "12Gi", nodeName: "busy")])
        for seed in 0..<20 as Range<UInt64> {
            var s = Scheduler(seed: seed)
            let result = try s.scheduleOne(Fixtures.pod("p", cpu: "500m", memory: "1Gi"), in: snapshot).get()
            #expect(result.suggestedHost == "empty")
        }
    }

    @Test func balancedAllocationBreaksAnOtherwiseEqualChoice() throws {
        // Both nodes are half used in total, but "lopsided" uses cpu only: the pod (cpu + memory) balances
        // "even" better. LeastAllocated scores them the same.
        let snapshot = Snapshot(nodes: [Fixtures.node("lopsided", cpu: "4", memory: "8Gi"), Fixtures.node("even", cpu: "4", memory: "8Gi")],
                                pods: [Fixtures.pod("a", cpu: "2", memory: "0", nodeName: "lopsided"),
                                       Fixtures.pod("b", cpu: "1", memory: "2Gi", nodeName: "even")])
        var s = Scheduler(seed: 3)
        let result = try s.scheduleOne(Fixtures.pod("p", cpu: "1", memory: "2Gi"), in: snapshot).get()
        #expect(result.suggestedHost == "even")
    }

    @Test func nodeAffinityPreferenceOutweighsResources() throws {
        let snapshot = Snapshot(nodes: [Fixtures.node("empty"), Fixtures.node("ssd", labels: ["disk": "ssd"])],
                                pods: [Fixtures.pod("r", cpu: "1", memory: "4Gi", nodeName: "ssd")])
        let p = Fixtures.pod("p", cpu: "100m", spec: ["affinity": ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 1, "preference": ["matchExpressions": [Fixtures.requirement("disk", "In", ["ssd"])]]]]]]])
        var s = Scheduler(seed: 9)
        let result = try s.scheduleOne(p, in: snapshot).get()
        #expect(result.suggestedHost == "ssd")
    }

    @Test func normalizationHelper() {
        var s: [Int64] = [5, 10, 0]
        defaultNormalizeScore(&s, reverse: false)
        #expect(s == [50, 100, 0])
        var r: [Int64] = [5, 10, 0]
        defaultNormalizeScore(&r, reverse: true)
        #expect(r == [50, 0, 100])
        var z: [Int64] = [0, 0]
        defaultNormalizeScore(&z, reverse: false)
        #expect(z == [0, 0])
    }
}
