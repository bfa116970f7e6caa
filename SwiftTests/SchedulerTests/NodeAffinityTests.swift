import APIMachinery
import Testing
@testable import Scheduler

@Suite("NodeAffinity")
struct NodeAffinityTests {
    let node = Fixtures.node("node-1", labels: ["zone": "a", "disk": "ssd", "cores": "16", "bogus": "x16"])

    private func fits(_ expressions: [JSON]) -> Bool {
        let p = Fixtures.pod("p", spec: Fixtures.requiredAffinity([expressions]))
        return Fixtures.filter(NodeAffinity(), p, node).isSuccess
    }

    @Test func inAndNotIn() {
        #expect(fits([Fixtures.requirement("zone", "In", ["a", "b"])]))
        #expect(!fits([Fixtures.requirement("zone", "In", ["b"])]))
        #expect(!fits([Fixtures.requirement("missing", "In", ["a"])]))
        #expect(fits([Fixtures.requirement("zone", "NotIn", ["b"])]))
        #expect(!fits([Fixtures.requirement("zone", "NotIn", ["a"])]))
        #expect(fits([Fixtures.requirement("missing", "NotIn", ["a"])]))
    }

    @Test func existsAndDoesNotExist() {
        #expect(fits([Fixtures.requirement("disk", "Exists")]))
        #expect(!fits([Fixtures.requirement("gpu", "Exists")]))
        #expect(fits([Fixtures.requirement("gpu", "DoesNotExist")]))
        #expect(!fits([Fixtures.requirement("disk", "DoesNotExist")]))
    }

    @Test func gtAndLtCompareIntegers() {
        #expect(fits([Fixtures.requirement("cores", "Gt", ["8"])]))
        #expect(!fits([Fixtures.requirement("cores", "Gt", ["16"])]))
        #expect(fits([Fixtures.requirement("cores", "Lt", ["17"])]))
        #expect(!fits([Fixtures.requirement("cores", "Lt", ["2"])]))
        // A non-integer label never matches; a missing one neither.
        #expect(!fits([Fixtures.requirement("bogus", "Gt", ["1"])]))
        #expect(!fits([Fixtures.requirement("missing", "Lt", ["100"])]))
    }

    @Test func malformedRequirementsMatchNothing() {
        #expect(!fits([Fixtures.requirement("cores", "Gt", ["many"])]))
        #expect(!fits([Fixtures.requirement("cores", "Gt", ["1", "2"])]))
        #expect(!fits([Fixtures.requirement("zone", "In", [])]))
        #expect(!fits([Fixtures.requirement("zone", "Exists", ["a"])]))
        #expect(!fits([Fixtures.requirement("zone", "Near", ["a"])]))
    }

    @Test func expressionsAreAndedAndTermsOred() {
        let both = Fixtures.pod("p", spec: Fixtures.requiredAffinity([[Fixtures.requirement("zone", "In", ["a"]),
                                                                       Fixtures.requirement("disk", "In", ["hdd"])]]))
        #expect(!Fixtures.filter(NodeAffinity(), both, node).isSuccess)
        // A broken first term does not spoil a matching second one.
        let either = Fixtures.pod("q", spec: Fixtures.requiredAffinity([[Fixtures.requirement("cores", "Gt", ["x"])],
                                                                        [Fixtures.requirement("disk", "In", ["ssd"])]]))
        #expect(Fixtures.filter(NodeAffinity(), either, node).isSuccess)
        let noTerms = Fixtures.pod("r", spec: Fixtures.requiredAffinity([]))
        #expect(Fixtures.filter(NodeAffinity(), noTerms, node)
            == Status(.unschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector"))
        let emptyTerm = Fixtures.pod("s", spec: Fixtures.requiredAffinity([[]]))
        #expect(!Fixtures.filter(NodeAffinity(), emptyTerm, node).isSuccess)
    }

    @Test func nodeSelectorMustMatchToo() {
        let ok = Fixtures.pod("p", spec: ["nodeSelector": ["zone": "a", "disk": "ssd"]])
        let bad = Fixtures.pod("q", spec: ["nodeSelector": ["zone": "a", "disk": "hdd"]])
        #expect(Fixtures.filter(NodeAffinity(), ok, node).isSuccess)
        #expect(Fixtures.filter(NodeAffinity(), bad, node).reasons == ["node(s) didn't match Pod's node affinity/selector"])
        var spec = Fixtures.requiredAffinity([[Fixtures.requirement("zone", "In", ["a"])]])
        spec["nodeSelector"] = ["disk": "hdd"]
        #expect(!Fixtures.filter(NodeAffinity(), Fixtures.pod("r", spec: spec), node).isSuccess)
        #expect(NodeAffinity().preFilter(pod: Fixtures.pod("plain"), state: CycleState()) == .skip)
    }

    @Test func matchFieldsOnNodeName() {
        let pinned = Fixtures.pod("p", spec: Fixtures.requiredAffinity([], fields: [[Fixtures.requirement("metadata.name", "In", ["node-1"])]]))
        #expect(Fixtures.filter(NodeAffinity(), pinned, node).isSuccess)
        #expect(!Fixtures.filter(NodeAffinity(), pinned, Fixtures.node("node-2")).isSuccess)
        let notOne = Fixtures.pod("q", spec: Fixtures.requiredAffinity([], fields: [[Fixtures.requirement("metadata.name", "NotIn", ["node-1"])]]))
        #expect(!Fixtures.filter(NodeAffinity(), notOne, node).isSuccess)
        #expect(Fixtures.filter(NodeAffinity(), notOne, Fixtures.node("node-2")).isSuccess)
        #expect(NodeAffinity().preFilter(pod: pinned, state: CycleState()) == .nodeNames(["node-1"]))
    }

    @Test func preFilterNarrowsOnlyWhenEveryTermNamesNodes() {
        let two = Fixtures.pod("p", spec: Fixtures.requiredAffinity([], fields: [
            [Fixtures.requirement("metadata.name", "In", ["a"])], [Fixtures.requirement("metadata.name", "In", ["b"])]]))
        #expect(NodeAffinity().preFilter(pod: two, state: CycleState()) == .nodeNames(["a", "b"]))
        let mixed = Fixtures.pod("q", spec: Fixtures.requiredAffinity([[Fixtures.requirement("zone", "In", ["a"])]],
                                                                      fields: [[Fixtures.requirement("metadata.name", "In", ["a"])]]))
        #expect(NodeAffinity().preFilter(pod: mixed, state: CycleState()) == .allNodes)
        let conflict = Fixtures.pod("r", spec: Fixtures.requiredAffinity([], fields: [[
            Fixtures.requirement("metadata.name", "In", ["a"]), Fixtures.requirement("metadata.name", "In", ["b"])]]))
        #expect(NodeAffinity().preFilter(pod: conflict, state: CycleState())
            == .reject(Status(.unschedulableAndUnresolvable, "pod affinity terms conflict")))
    }

    @Test func preferredTermsScoreByWeightAndNormaliseToHundred() {
        let p = Fixtures.pod("p", spec: ["affinity": ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 10, "preference": ["matchExpressions": [Fixtures.requirement("zone", "In", ["a"])]]],
            ["weight": 30, "preference": ["matchExpressions": [Fixtures.requirement("disk", "In", ["ssd"])]]],
            ["weight": 50, "preference": ["matchExpressions": []]],
        ]]]])
        let plugin = NodeAffinity()
        let nodes = [Fixtures.node("both", labels: ["zone": "a", "disk": "ssd"]), Fixtures.node("zone", labels: ["zone": "a"]),
                     Fixtures.node("none")]
        var scores = nodes.map { plugin.score(pod: p, nodeInfo: NodeInfo(node: $0), state: CycleState()) }
        #expect(scores == [40, 10, 0])
        plugin.normalizeScores(&scores, pod: p, state: CycleState())
        #expect(scores == [100, 25, 0])
    }
}
