import APIMachinery
import Testing
@testable import Scheduler

@Suite("FitError messages and preemption")
struct FitErrorTests {
    private func failure(_ pod: PodView, _ nodes: [NodeView], pods: [PodView] = []) throws -> FitError {
        var s = Scheduler(seed: 1)
        let result = s.scheduleOne(pod, in: Snapshot(nodes: nodes, pods: pods))
        return try #require(result.failure?.fitError)
    }

    let taint = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"

    @Test func mixedReasonsAcrossThreeNodes() throws {
        let nodes = [Fixtures.node("node-1", cpu: "1"),
                     Fixtures.node("node-2", taints: [Fixtures.controlPlaneTaint]),
                     Fixtures.node("node-3", cpu: "1", taints: [Fixtures.controlPlaneTaint])]
        let fit = try failure(Fixtures.pod("big", cpu: "2"), nodes)
        #expect(fit.message == "0/3 nodes are available: 1 Insufficient cpu, 2 \(taint). "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
            + "2 Preemption is not helpful for scheduling.")
        #expect(fit.diagnosis.unschedulablePlugins == ["NodeResourcesFit", "TaintToleration"])
        #expect(fit.nominatedNodeName == nil)
    }

    @Test func everyNodeUnresolvable() throws {
        let nodes = (1...3).map { Fixtures.node("cp-\($0)", taints: [Fixtures.controlPlaneTaint]) }
        #expect(try failure(Fixtures.pod("p"), nodes).message
            == "0/3 nodes are available: 3 \(taint). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    }

    @Test func multipleReasonsFromOneNodeAreEachCounted() throws {
        let fit = try failure(Fixtures.pod("p", cpu: "8", memory: "64Gi"), [Fixtures.node("n1"), Fixtures.node("n2", cpu: "16")])
        #expect(fit.message == "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory. "
            + "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")
    }

    @Test func reasonsSortByteWiseAsGoDoes() throws {
        var nodes = (1...10).map { Fixtures.node("t\($0)", taints: [["key": "k", "value": "v", "effect": "NoSchedule"]]) }
        nodes += [Fixtures.node("s1", cpu: "1"), Fixtures.node("s2", cpu: "1")]
        #expect(try failure(Fixtures.pod("p", cpu: "2"), nodes).message
            == "0/12 nodes are available: 10 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. "
            + "preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, "
            + "2 No preemption victims found for incoming pod.")
    }

    @Test func preFilterRejectionIsThePreFilterMessage() throws {
        let conflict = Fixtures.pod("p", spec: Fixtures.requiredAffinity([], fields: [[
            Fixtures.requirement("metadata.name", "In", ["a"]), Fixtures.requirement("metadata.name", "In", ["b"])]]))
        let fit = try failure(conflict, [Fixtures.node("a"), Fixtures.node("b")])
        #expect(fit.message == "0/2 nodes are available: pod affinity terms conflict. "
            + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
        #expect(fit.diagnosis.unschedulablePlugins == ["NodeAffinity"])
    }

    @Test func nodesExcludedByPreFilterAreCountedAsNotSatisfyingIt() throws {
        let pinned = Fixtures.pod("p", cpu: "2", spec: Fixtures.requiredAffinity([], fields: [[Fixtures.requirement("metadata.name", "In", ["a"])]]))
        let fit = try failure(pinned, [Fixtures.node("a", cpu: "1"), Fixtures.node("b"), Fixtures.node("c")])
        #expect(fit.message == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
            + "2 Preemption is not helpful for scheduling.")
        let ghost = Fixtures.pod("q", spec: Fixtures.requiredAffinity([], fields: [[Fixtures.requirement("metadata.name", "In", ["gone"])]]))
        #expect(try failure(ghost, [Fixtures.node("a"), Fixtures.node("b")]).message
            == "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
            + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
    }

    @Test func preemptionPolicyNever() throws {
        let p = Fixtures.pod("p", cpu: "2", priority: 100, spec: ["preemptionPolicy": "Never"])
        #expect(try failure(p, [Fixtures.node("n", cpu: "1")]).message
            == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")
    }

    @Test func aNominatedPodWaitsForItsVictimsToTerminate() throws {
        var victimJSON = Fixtures.podJSON("victim", cpu: "800m", nodeName: "n", priority: 0)
        victimJSON[path: ["metadata", "deletionTimestamp"]] = "2026-01-01T00:00:00Z"
        victimJSON["status"] = ["conditions": [["type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"]]]
        let victim = try PodView(json: victimJSON)
        #expect(victim.isTerminatingByPreemption)
        var preemptor = Fixtures.pod("p", cpu: "500m", priority: 10)
        preemptor.nominatedNodeName = "n"
        #expect(try failure(preemptor, [Fixtures.node("n", cpu: "1")], pods: [victim]).message
            == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.")
        // Not nominated (or an ordinary deletion): preemption proceeds and nominates the node again.
        preemptor.nominatedNodeName = ""
        #expect(try failure(preemptor, [Fixtures.node("n", cpu: "1")], pods: [victim]).nominatedNodeName == "n")
    }

    @Test func victimsThatDoNotFreeEnoughReportTheFilterReason() throws {
        let low = Fixtures.pod("low", cpu: "200m", nodeName: "n", priority: 0)
        let fit = try failure(Fixtures.pod("p", cpu: "2", priority: 100), [Fixtures.node("n", cpu: "1")], pods: [low])
        #expect(fit.message == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.")
    }

    @Test func preemptionNominatesANodeAndReprievesWhatItCan() throws {
        let pods = [Fixtures.pod("v5", cpu: "300m", nodeName: "n", priority: 5),
                    Fixtures.pod("v1", cpu: "300m", nodeName: "n", priority: 1),
                    Fixtures.pod("v0", cpu: "300m", nodeName: "n", priority: 0)]
        let nodes = [Fixtures.node("n", cpu: "1"), Fixtures.node("cp", taints: [Fixtures.controlPlaneTaint])]
        let fit = try failure(Fixtures.pod("p", cpu: "500m", priority: 10), nodes, pods: pods)
        // Found room: no preemption suffix, the nomination and the victims instead.
        #expect(fit.message == "0/2 nodes are available: 1 Insufficient cpu, 1 \(taint).")
        #expect(fit.nominatedNodeName == "n")
        #expect(fit.victims.map(\.name) == ["v1", "v0"])
    }

    @Test func preemptionPicksTheNodeWithTheLeastImportantVictims() throws {
        let pods = [Fixtures.pod("a", cpu: "1", nodeName: "a", priority: 5), Fixtures.pod("b", cpu: "1", nodeName: "b", priority: 1),
                    Fixtures.pod("c1", cpu: "500m", nodeName: "c", priority: 1), Fixtures.pod("c2", cpu: "500m", nodeName: "c", priority: 1)]
        let nodes = [Fixtures.node("a", cpu: "1"), Fixtures.node("b", cpu: "1"), Fixtures.node("c", cpu: "1")]
        let fit = try failure(Fixtures.pod("p", cpu: "1", priority: 10), nodes, pods: pods)
        #expect(fit.nominatedNodeName == "b")
        #expect(fit.victims.map(\.name) == ["b"])
    }

    @Test func noNodesAndEventTexts() {
        var s = Scheduler(seed: 1)
        let r = s.scheduleOne(Fixtures.pod("p"), in: Snapshot())
        #expect(r.failure == .noNodesAvailable)
        #expect(r.failure?.description == "no nodes available to schedule pods")
        #expect(r.failure?.conditionReason == "SchedulerError")
        #expect(SchedulingEvents.scheduledMessage(pod: Fixtures.pod("nginx"), node: "node-1")
            == "Successfully assigned default/nginx to node-1")
        let long = String(repeating: "é", count: 600)
        let cut = SchedulingEvents.truncated(long)
        #expect(cut.utf8.count <= 1024 && cut.hasSuffix(" ...") && cut.hasPrefix("éé"))
        #expect(SchedulingEvents.truncated("short") == "short")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
