import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

let daemonSetsInT = ResourcePath.daemonsets.inNamespace("t")

func daemonSet(_ name: String, image: String = "busybox:1.35", tolerations: JSON? = nil, nodeSelector: [String: String]? = nil,
               strategy: JSON? = nil) -> JSON {
    var d: JSON = ["apiVersion": "apps/v1", "kind": "DaemonSet",
                   "metadata": ["name": .string(name), "namespace": "t"],
                   "spec": ["selector": ["matchLabels": ["app": .string(name)]],
                            "template": podTemplate(labels: ["app": name], image: image)]]
    if let tolerations { d[path: ["spec", "template", "spec", "tolerations"]] = tolerations }
    if let nodeSelector { d[path: ["spec", "template", "spec", "nodeSelector"]] = .from(nodeSelector) }
    if let strategy { d[path: ["spec", "updateStrategy"]] = strategy }
    return d
}

func nodeObject(_ name: String, labels: [String: String] = [:], taints: JSON? = nil) -> JSON {
    var n: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name), "labels": .from(labels)]]
    if let taints { n[path: ["spec", "taints"]] = taints }
    return n
}

@Suite(.timeLimit(.minutes(2)))
struct DaemonSetControllerTests {
    func controller(kubelet: Bool) -> (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void] {
        { client, informers, events in
            let c = DaemonSetController(client: client, informers: informers, recorder: events.recorder(component: "daemonset-controller"))
            let k = FakeKubelet(client: client)
            var runs: [@Sendable () async -> Void] = [{ await c.run(workers: 2) }]
            if kubelet { runs.append { await k.run() } }
            return runs
        }
    }

    static let controlPlaneTaint: JSON = [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]]

    /// Live daemon pods by the node they are pinned to.
    func podsByNode(_ c: KubeClient, _ ds: String) async throws -> [String: [JSON]] {
        var out: [String: [JSON]] = [:]
        for p in try await c.items(podsInT, labelSelector: "app=\(ds)") where !p.isBeingDeleted {
            out[DaemonPodPlacement.targetNode(p) ?? "", default: []].append(p)
        }
        return out
    }

    @Test func onePodPerEligibleNodeFollowingNodes() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            try await c.create(.nodes, nodeObject("cp", taints: Self.controlPlaneTaint))
            try await c.create(.nodes, nodeObject("w1"))
            try await c.create(.nodes, nodeObject("w2"))
            let ds = try await c.create(daemonSetsInT, daemonSet("agent"))
            #expect(ds.annotations["deprecated.daemonset.template.generation"] == "1")
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "agent").mapValues(\.count) == ["w1": 1, "w2": 1] })
            let pod = try #require(try await podsByNode(c, "agent")["w1"]?.first)
            #expect(pod.name.hasPrefix("agent-") && pod.controllerRef?.uid == ds.uid)
            #expect(pod.labels["pod-template-generation"] == "1")
            let revisions = try await c.items(revisionsInT)
            #expect(revisions.count == 1 && pod.labels["controller-revision-hash"] == revisions.first?.labels["controller-revision-hash"])
            #expect(revisions.first?.name == "agent-\(pod.labels["controller-revision-hash"] ?? "")")
            let tolerations = (pod[path: ["spec", "tolerations"]]?.array ?? []).compactMap { $0["key"]?.string }
            #expect(tolerations.contains("node.kubernetes.io/unschedulable") && tolerations.contains("node.kubernetes.io/not-ready"))
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(daemonSetsInT, "agent")["status"]
                return s?["desiredNumberScheduled"] == 2 && s?["currentNumberScheduled"] == 2 && s?["numberReady"] == 2
                    && s?["numberAvailable"] == 2 && s?["updatedNumberScheduled"] == 2 && s?["numberMisscheduled"] == 0
                    && s?["observedGeneration"] == 1
            })
            #expect(try await eventually(timeout: .seconds(30)) {
                try await c.eventMessages(about: "agent").filter { $0.0 == "SuccessfulCreate" && $0.1.hasPrefix("Created pod: agent-") }.count == 2
            })
            // A new node gets its pod; a removed node no longer counts.
            try await c.create(.nodes, nodeObject("w3"))
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "agent")["w3"]?.count == 1 })
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(daemonSetsInT, "agent")[path: ["status", "desiredNumberScheduled"]] == 3 })
            try await c.delete(.nodes, "w3")
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(daemonSetsInT, "agent")[path: ["status", "desiredNumberScheduled"]] == 2 })
        }
    }

    @Test func tolerationsAndSelectorsChooseNodes() async throws {
        try await withControllers(controller(kubelet: false)) { cluster in
            let c = cluster.client
            try await c.create(.nodes, nodeObject("cp", taints: Self.controlPlaneTaint))
            try await c.create(.nodes, nodeObject("w1", labels: ["disk": "ssd"]))
            try await c.create(.nodes, nodeObject("w2"))
            let tolerateAll: JSON = [["key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"]]
            try await c.create(daemonSetsInT, daemonSet("everywhere", tolerations: tolerateAll))
            try await c.create(daemonSetsInT, daemonSet("ssd", nodeSelector: ["disk": "ssd"]))
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "everywhere").mapValues(\.count) == ["cp": 1, "w1": 1, "w2": 1] })
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "ssd").mapValues(\.count) == ["w1": 1] })
            // Relabelled nodes gain and lose the pod.
            try await c.patch(.nodes, "w2", ["metadata": ["labels": ["disk": "ssd"]]])
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "ssd").mapValues(\.count) == ["w1": 1, "w2": 1] })
            try await c.patch(.nodes, "w1", ["metadata": ["labels": ["disk": nil]]])
            #expect(try await eventually(timeout: .seconds(30)) { try await podsByNode(c, "ssd").mapValues(\.count) == ["w2": 1] })
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(daemonSetsInT, "ssd")["status"]
                return s?["desiredNumberScheduled"] == 1 && s?["currentNumberScheduled"] == 1
            })
        }
    }

    @Test func rollingUpdateReplacesEveryPodAndKeepsHistory() async throws {
        try await withControllers(controller(kubelet: true)) { cluster in
            let c = cluster.client
            for n in ["w1", "w2", "w3"] { try await c.create(.nodes, nodeObject(n)) }
            try await c.create(daemonSetsInT, daemonSet("agent"))
            #expect(try await eventually(timeout: .seconds(30)) { try await c.get(daemonSetsInT, "agent")[path: ["status", "numberAvailable"]] == 3 })
            try await c.patch(daemonSetsInT, "agent", ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "busybox:1.36"]]]]]])
            let updated = try await c.get(daemonSetsInT, "agent")
            #expect(updated.annotations["deprecated.daemonset.template.generation"] == "2")
            #expect(try await eventually(timeout: .seconds(30)) {
                let s = try await c.get(daemonSetsInT, "agent")["status"]
                let byNode = try await podsByNode(c, "agent")
                return s?["updatedNumberScheduled"] == 3 && s?["numberAvailable"] == 3 && s?["observedGeneration"] == 2
                    && byNode.values.allSatisfy { $0.count == 1 && $0[0][path: ["spec", "containers"]]?[0]?["image"] == "busybox:1.36" }
            })
            let revisions = ControllerHistory.sorted(try await c.items(revisionsInT))
            #expect(revisions.map { ControllerHistory.number($0) } == [1, 2])
            let pods = try await c.items(podsInT, labelSelector: "app=agent").filter { !$0.isBeingDeleted }
            #expect(pods.allSatisfy { $0.labels["controller-revision-hash"] == revisions[1].labels["controller-revision-hash"] && $0.labels["pod-template-generation"] == "2" })
        }
    }
}
