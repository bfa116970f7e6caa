import APIMachinery
import Foundation
import Testing

@testable import Controllers

@Suite struct DaemonPodPlacementTests {
    func ds(_ spec: JSON = [:]) -> JSON {
        var podSpec: JSON = ["containers": [["name": "c", "image": "busybox:1.35"]]]
        for (k, v) in spec.object ?? [:] { podSpec[k] = v }
        return ["metadata": ["name": "agent", "namespace": "t", "uid": "ds-uid"],
                "spec": ["selector": ["matchLabels": ["app": "agent"]],
                         "template": ["metadata": ["labels": ["app": "agent"]], "spec": podSpec]]]
    }

    func node(_ name: String, labels: [String: String] = [:], taints: [JSON] = []) -> JSON {
        ["metadata": ["name": .string(name), "labels": .from(labels)], "spec": ["taints": .array(taints)]]
    }

    @Test func taintsDecideRunningAndKeeping() {
        let d = ds()
        #expect(DaemonPodPlacement.shouldRun(d, on: node("n1")) == (true, true))
        let controlPlane = node("cp", taints: [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]])
        #expect(DaemonPodPlacement.shouldRun(d, on: controlPlane) == (false, true))
        let evicting = node("n2", taints: [["key": "dedicated", "value": "db", "effect": "NoExecute"]])
        #expect(DaemonPodPlacement.shouldRun(d, on: evicting) == (false, false))
        // The default tolerations: not-ready, unreachable and cordoned nodes still run daemon pods.
        let notReady = node("n3", taints: [["key": "node.kubernetes.io/not-ready", "effect": "NoExecute"],
                                           ["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"]])
        #expect(DaemonPodPlacement.shouldRun(d, on: notReady) == (true, true))
        let tolerating = ds(["tolerations": [["key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"]]])
        #expect(DaemonPodPlacement.shouldRun(tolerating, on: controlPlane) == (true, true))
    }

    @Test func selectorAffinityAndNodeName() {
        let bySelector = ds(["nodeSelector": ["disk": "ssd"]])
        #expect(DaemonPodPlacement.shouldRun(bySelector, on: node("a", labels: ["disk": "ssd"])).run)
        #expect(!DaemonPodPlacement.shouldRun(bySelector, on: node("b", labels: ["disk": "hdd"])).run)
        let byAffinity = ds(["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
            ["matchExpressions": [["key": "zone", "operator": "In", "values": ["a", "b"]]]],
            ["matchFields": [["key": "metadata.name", "operator": "In", "values": ["special"]]]],
        ]]]]])
        #expect(DaemonPodPlacement.shouldRun(byAffinity, on: node("x", labels: ["zone": "b"])).run)
        #expect(DaemonPodPlacement.shouldRun(byAffinity, on: node("special")).run)
        #expect(!DaemonPodPlacement.shouldRun(byAffinity, on: node("y", labels: ["zone": "c"])).run)
        let byName = ds(["nodeName": "n1"])
        #expect(DaemonPodPlacement.shouldRun(byName, on: node("n1")).run)
        #expect(DaemonPodPlacement.shouldRun(byName, on: node("n2")) == (false, false))
    }

    @Test func podsArePinnedByMatchFields() {
        var spec: JSON = ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
            ["matchExpressions": [["key": "zone", "operator": "In", "values": ["a"]]]]]]]]]
        DaemonPodPlacement.pin(&spec, to: "n7")
        let pod: JSON = ["spec": spec]
        #expect(DaemonPodPlacement.targetNode(pod) == "n7")
        let terms = spec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]?.array
        #expect(terms == [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["n7"]]]]])
        #expect(DaemonPodPlacement.targetNode(["spec": ["nodeName": "n2"]]) == "n2")
    }

    @Test func defaultTolerationsAreAddedOnce() {
        var spec: JSON = ["tolerations": [["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"]]]
        DaemonPodPlacement.addDefaultTolerations(&spec)
        DaemonPodPlacement.addDefaultTolerations(&spec)
        let keys = (spec["tolerations"]?.array ?? []).compactMap { $0["key"]?.string }
        #expect(keys == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
                         "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"])
        var host: JSON = ["hostNetwork": true]
        DaemonPodPlacement.addDefaultTolerations(&host)
        #expect((host["tolerations"]?.array ?? []).contains { $0["key"] == "node.kubernetes.io/network-unavailable" })
    }
}
