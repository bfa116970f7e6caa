import APIMachinery
import Testing
@testable import Scheduler

@Suite("Filter plugins")
struct FilterPluginTests {
    // MARK: TaintToleration

    @Test func controlPlaneTaintBlocksPodsWithoutToleration() {
        let node = Fixtures.node("cp", taints: [Fixtures.controlPlaneTaint])
        let s = Fixtures.filter(TaintToleration(), Fixtures.pod("p"), node)
        #expect(s.code == .unschedulableAndUnresolvable)
        #expect(s.reasons == ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"])
    }

    @Test func existsTolerationsPass() {
        let node = Fixtures.node("cp", taints: [Fixtures.controlPlaneTaint])
        let byKey = Fixtures.pod("a", spec: ["tolerations": [["key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                                                             "effect": "NoSchedule"]]])
        let everything = Fixtures.pod("b", spec: ["tolerations": [["operator": "Exists"]]])
        #expect(Fixtures.filter(TaintToleration(), byKey, node) == .success)
        #expect(Fixtures.filter(TaintToleration(), everything, node) == .success)
    }

    @Test func equalTolerationsNeedTheValueAndEffectToMatch() {
        let node = Fixtures.node("n", taints: [["key": "dedicated", "value": "gpu", "effect": "NoExecute"]])
        let right = Fixtures.pod("a", spec: ["tolerations": [["key": "dedicated", "value": "gpu"]]])
        let wrongValue = Fixtures.pod("b", spec: ["tolerations": [["key": "dedicated", "operator": "Equal", "value": "cpu"]]])
        let wrongEffect = Fixtures.pod("c", spec: ["tolerations": [["key": "dedicated", "value": "gpu", "effect": "NoSchedule"]]])
        let badOperator = Fixtures.pod("d", spec: ["tolerations": [["key": "dedicated", "operator": "Gt", "value": "gpu"]]])
        #expect(Fixtures.filter(TaintToleration(), right, node) == .success)
        for p in [wrongValue, wrongEffect, badOperator] {
            #expect(Fixtures.filter(TaintToleration(), p, node).reasons == ["node(s) had untolerated taint {dedicated: gpu}"])
        }
    }

    @Test func preferNoScheduleNeverFiltersAndTheFirstUntoleratedTaintIsNamed() {
        let soft = Fixtures.node("n", taints: [["key": "soft", "effect": "PreferNoSchedule"]])
        #expect(Fixtures.filter(TaintToleration(), Fixtures.pod("p"), soft) == .success)
        let two = Fixtures.node("m", taints: [["key": "a", "value": "1", "effect": "NoSchedule"],
                                              ["key": "b", "value": "2", "effect": "NoExecute"]])
        let toleratesA = Fixtures.pod("p", spec: ["tolerations": [["key": "a", "operator": "Exists"]]])
        #expect(Fixtures.filter(TaintToleration(), Fixtures.pod("q"), two).reasons == ["node(s) had untolerated taint {a: 1}"])
        #expect(Fixtures.filter(TaintToleration(), toleratesA, two).reasons == ["node(s) had untolerated taint {b: 2}"])
    }

    // MARK: NodeUnschedulable, NodeName

    @Test func cordonedNodesRejectUnlessTheUnschedulableTaintIsTolerated() {
        let cordoned = Fixtures.node("n", unschedulable: true)
        let s = Fixtures.filter(NodeUnschedulable(), Fixtures.pod("p"), cordoned)
        #expect(s == Status(.unschedulableAndUnresolvable, "node(s) were unschedulable"))
        let tolerant = Fixtures.pod("t", spec: ["tolerations": [["key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                                                "effect": "NoSchedule"]]])
        #expect(Fixtures.filter(NodeUnschedulable(), tolerant, cordoned) == .success)
        #expect(Fixtures.filter(NodeUnschedulable(), Fixtures.pod("p"), Fixtures.node("ok")) == .success)
    }

    @Test func nodeNameMustMatchWhenSet() {
        #expect(Fixtures.filter(NodeName(), Fixtures.pod("p", nodeName: "a"), Fixtures.node("a")) == .success)
        #expect(Fixtures.filter(NodeName(), Fixtures.pod("p"), Fixtures.node("b")) == .success)
        #expect(Fixtures.filter(NodeName(), Fixtures.pod("p", nodeName: "a"), Fixtures.node("b"))
            == Status(.unschedulableAndUnresolvable, "node(s) didn't match the requested node name"))
    }

    // MARK: NodeResourcesFit

    @Test func insufficientCpuAndMemoryAreBothReported() {
        let node = Fixtures.node("n", cpu: "1", memory: "1Gi")
        let running = Fixtures.pod("r", cpu: "600m", memory: "512Mi", nodeName: "n")
        let s = Fixtures.filter(NodeResourcesFit(), Fixtures.pod("p", cpu: "500m", memory: "600Mi"), node, pods: [running])
        #expect(s.code == .unschedulable)
        #expect(s.reasons == ["Insufficient cpu", "Insufficient memory"])
        #expect(Fixtures.filter(NodeResourcesFit(), Fixtures.pod("fits", cpu: "400m", memory: "512Mi"), node, pods: [running]) == .success)
    }

    @Test func podCountIsCheckedEvenForRequestlessPods() {
        let node = Fixtures.node("n", pods: "2")
        let existing = [Fixtures.pod("a", nodeName: "n"), Fixtures.pod("b", nodeName: "n")]
        #expect(Fixtures.filter(NodeResourcesFit(), Fixtures.pod("p"), node, pods: existing).reasons == ["Too many pods"])
        #expect(Fixtures.filter(NodeResourcesFit(), Fixtures.pod("p"), node, pods: [existing[0]]) == .success)
        #expect(Fixtures.filter(NodeResourcesFit(), Fixtures.pod("big", cpu: "5"), node, pods: existing).reasons
            == ["Too many pods", "Insufficient cpu"])
    }

    @Test func initContainerRequestsCountAgainstTheNode() {
        let node = Fixtures.node("n", cpu: "1")
        let p = Fixtures.pod("p", cpu: "100m", spec: ["initContainers": [["name": "init", "image": "busybox",
                                                                          "resources": ["requests": ["cpu": "1500m"]]]]])
        #expect(Fixtures.filter(NodeResourcesFit(), p, node).reasons == ["Insufficient cpu"])
    }

    @Test func extendedAndEphemeralResources() {
        let node = Fixtures.node("n", extra: ["example.com/gpu": "1", "ephemeral-storage": "10Gi"])
        let gpu2 = Fixtures.pod("g", spec: ["containers": [["name": "c", "image": "i", "resources": ["requests": [
            "example.com/gpu": "2", "ephemeral-storage": "20Gi"]]]]])
        #expect(Fixtures.filter(NodeResourcesFit(), gpu2, node).reasons
            == ["Insufficient ephemeral-storage", "Insufficient example.com/gpu"])
        let gpu1 = Fixtures.pod("h", spec: ["containers": [["name": "c", "image": "i", "resources": ["requests": ["example.com/gpu": "1"]]]]])
        #expect(Fixtures.filter(NodeResourcesFit(), gpu1, node) == .success)
        #expect(Fixtures.filter(NodeResourcesFit(), gpu1, Fixtures.node("plain")).reasons == ["Insufficient example.com/gpu"])
    }

    // MARK: NodePorts

    private func withPort(_ name: String, _ port: Int64, protocol proto: String = "TCP", hostIP: String = "") -> PodView {
        var p: JSON = ["containerPort": 80, "hostPort": .int(port), "protocol": .string(proto)]
        if !hostIP.isEmpty { p["hostIP"] = .string(hostIP) }
        return Fixtures.pod(name, nodeName: "n", spec: ["containers": [["name": "c", "image": "i", "ports": [p]]]])
    }

    @Test func hostPortConflicts() {
        let node = Fixtures.node("n")
        let reason = "node(s) didn't have free ports for the requested pod ports"
        let holder = withPort("holder", 8080)
        #expect(Fixtures.filter(NodePorts(), withPort("p", 8080), node, pods: [holder]) == Status(.unschedulable, reason))
        #expect(Fixtures.filter(NodePorts(), withPort("p", 8080, protocol: "UDP"), node, pods: [holder]) == .success)
        #expect(Fixtures.filter(NodePorts(), withPort("p", 8081), node, pods: [holder]) == .success)
        // A specific address conflicts with the wildcard, and the wildcard with any address.
        #expect(Fixtures.filter(NodePorts(), withPort("p", 8080, hostIP: "10.0.0.1"), node, pods: [holder]).reasons == [reason])
        let specific = withPort("s", 9090, hostIP: "10.0.0.1")
        #expect(Fixtures.filter(NodePorts(), withPort("p", 9090), node, pods: [specific]).reasons == [reason])
        #expect(Fixtures.filter(NodePorts(), withPort("p", 9090, hostIP: "10.0.0.2"), node, pods: [specific]) == .success)
        #expect(NodePorts().preFilter(pod: Fixtures.pod("none"), state: CycleState()) == .skip)
    }

    @Test func removingAPodFreesItsPortOnlyWhenNoOtherHoldsIt() {
        var info = NodeInfo(node: Fixtures.node("n"), pods: [withPort("a", 80), withPort("b", 80)])
        info.remove(uid: "uid-a")
        #expect(info.usedPorts.conflicts(with: HostPort(port: 80)))
        info.remove(uid: "uid-b")
        #expect(!info.usedPorts.conflicts(with: HostPort(port: 80)))
    }
}
