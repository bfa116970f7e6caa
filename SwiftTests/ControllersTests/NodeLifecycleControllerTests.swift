import APIMachinery
@testable import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// The node lifecycle controller's time (silence, monitor period, re-checks) runs on a `ManualClock` that
/// the tests move; the taint eviction controller's `tolerationSeconds` run on the real one.
@Suite(.timeLimit(.minutes(1)))
struct NodeLifecycleControllerTests {
    static let leases = ResourcePath.leases.inNamespace("kube-node-lease")
    let clock = ManualClock()
    let running = Running()

    /// The controllers `controllers` made for the running test.
    final class Running: Sendable {
        let value = Mutex<(lifecycle: NodeLifecycleController, eviction: TaintEvictionController)?>(nil)
    }

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let nl = NodeLifecycleController(client: client, informers: informers,
                                         options: .init(gracePeriod: .seconds(1), monitorPeriod: .milliseconds(200)),
                                         recorder: events.recorder(component: "node-controller"), clock: clock)
        let te = TaintEvictionController(client: client, informers: informers, recorder: events.recorder(component: "taint-eviction-controller"))
        running.value.withLock { $0 = (nl, te) }
        return [{ await nl.run(workers: 1) }, { await te.run(workers: 2) }]
    }

    var lifecycle: NodeLifecycleController { running.value.withLock { $0!.lifecycle } }
    var eviction: TaintEvictionController { running.value.withLock { $0!.eviction } }

    /// Waits until `queue` is empty and its `workers` all wait for keys: the work queued so far is done.
    func settled(_ queue: WorkQueue<String>, workers: Int) async -> Bool {
        await eventually { queue.len == 0 && queue.waitingGets == workers }
    }

    /// Renews `node`'s Lease and waits until the lifecycle controller has reconciled the node with it.
    func renewAndWait(_ c: KubeClient, _ node: String) async throws {
        let renewed = try await c.patch(Self.leases, node, ["spec": ["renewTime": .string(RFC3339.microTime(Date()))]])
        let renewTime = renewed[path: ["spec", "renewTime"]]?.string
        let nl = lifecycle
        #expect(await eventually { nl.health.withLock { $0[node]?.renewTime } == renewTime })
        #expect(await settled(nl.queue, workers: 1))
    }

    /// Registers a Ready node and its Lease, as a kubelet does.
    func registerNode(_ c: KubeClient, _ name: String, taints: JSON? = nil) async throws {
        var node: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]]
        if let taints { node[path: ["spec", "taints"]] = taints }
        try await c.create(.nodes, node)
        let now = JSON.string(RFC3339.time())
        try await c.patch(.nodes, name, ["status": ["conditions": [
            ["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
             "lastHeartbeatTime": now, "lastTransitionTime": now],
            ["type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "ok",
             "lastHeartbeatTime": now, "lastTransitionTime": now],
        ]]], subresource: "status")
        try await c.create(Self.leases, ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                         "metadata": ["name": .string(name)],
                                         "spec": ["holderIdentity": .string(name), "leaseDurationSeconds": 40,
                                                  "renewTime": .string(RFC3339.microTime(Date()))]])
    }

    func renew(_ c: KubeClient, _ name: String) async throws {
        try await c.patch(Self.leases, name, ["spec": ["renewTime": .string(RFC3339.microTime(Date()))]])
    }

    func pod(_ name: String, node: String, tolerations: JSON? = nil) -> JSON {
        var p: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                       "spec": ["nodeName": .string(node), "containers": [["name": "c", "image": "nginx:alpine"]]]]
        if let tolerations { p[path: ["spec", "tolerations"]] = tolerations }
        return p
    }

    func goneOrTerminating(_ c: KubeClient, _ name: String) async throws -> Bool {
        guard let p = try? await c.get(podsInT, name) else { return true }
        return p.isBeingDeleted
    }

    func condition(_ o: JSON, _ type: String) -> JSON? { PodState.condition(o, type) }

    @Test func silentNodeGoesUnknownIsTaintedAndRecovers() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await registerNode(c, "n1")
            func unreachable(_ seconds: Int64) -> JSON {
                [["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": .int(seconds)],
                 ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": .int(seconds)]]
            }
            let kubelet = FakeKubelet(client: c)
            for (name, seconds) in [("patient", Int64(3600)), ("quick", Int64(1))] {
                try await kubelet.markRunning(try await c.create(podsInT, pod(name, node: "n1", tolerations: unreachable(seconds))), ready: true)
            }
            // Heard from every half second, for two and a half grace periods: nothing happens.
            try await renewAndWait(c, "n1")
            for _ in 0..<5 {
                clock.advance(by: .milliseconds(500))
                try await renewAndWait(c, "n1")
            }
            #expect(condition(try await c.get(.nodes, "n1"), "Ready")?["status"] == "True")
            #expect(Taints.list(try await c.get(.nodes, "n1")).isEmpty)

            // Silent for longer than the grace period: the re-check the last reconcile set up finds it so.
            clock.advance(by: .milliseconds(1200))
            #expect(try await eventually {
                condition(try await c.get(.nodes, "n1"), "Ready")?["status"] == "Unknown"
            })
            let node = try await c.get(.nodes, "n1")
            let ready = try #require(condition(node, "Ready"))
            #expect(ready["reason"] == "NodeStatusUnknown" && ready["message"] == "Kubelet stopped posting node status.")
            #expect(condition(node, "MemoryPressure")?["status"] == "Unknown")
            #expect(condition(node, "DiskPressure")?["reason"] == "NodeStatusNeverUpdated")
            #expect(try await eventually {
                let taints = Taints.list(try await c.get(.nodes, "n1"))
                return taints.contains { $0["key"] == "node.kubernetes.io/unreachable" && $0["effect"] == "NoExecute" && $0["timeAdded"] != nil }
                    && taints.contains { $0["key"] == "node.kubernetes.io/unreachable" && $0["effect"] == "NoSchedule" }
            })
            #expect(try await eventually { condition(try await c.get(podsInT, "patient"), "Ready")?["status"] == "False" })
            // tolerationSeconds 1: evicted a second after the taint; 3600: stays.
            #expect(try await eventually(timeout: .seconds(5)) { try await goneOrTerminating(c, "quick") })
            if let quick = try? await c.get(podsInT, "quick") {
                #expect(condition(quick, "DisruptionTarget")?["reason"] == "DeletionByTaintManager")
            }
            #expect(!(try await goneOrTerminating(c, "patient")))
            #expect(try await eventually {
                try await c.eventMessages(about: "quick").contains { $0 == ("TaintManagerEviction", "Marking for deletion Pod t/quick") }
            })
            #expect(try await eventually {
                try await c.eventMessages(namespace: "default", about: "n1").contains { $0 == ("NodeNotReady", "Node n1 status is now: NodeNotReady") }
            })

            // Heard from again: the unreachable taints go.
            try await renew(c, "n1")
            #expect(try await eventually(timeout: .seconds(5)) {
                !Taints.list(try await c.get(.nodes, "n1")).contains { $0["key"] == "node.kubernetes.io/unreachable" }
            })
        }
    }

    @Test func podsWithoutTolerationLeaveNoExecuteNodesAtOnce() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let te = eviction
            let taint: JSON = ["key": "example.com/maintenance", "value": "yes", "effect": "NoExecute"]
            // The lifecycle controller's clock never moves here: the node is never silent.
            try await registerNode(c, "n2")
            try await c.create(podsInT, pod("intolerant", node: "n2"))
            try await c.create(podsInT, pod("tolerant", node: "n2", tolerations: [["key": "example.com/maintenance", "operator": "Equal", "value": "yes", "effect": "NoExecute"]]))
            try await c.create(podsInT, pod("wrong-value", node: "n2", tolerations: [["key": "example.com/maintenance", "operator": "Equal", "value": "no", "effect": "NoExecute"]]))
            // Each pod was worked on once, on an untainted node: none goes.
            #expect(await eventually { te.queue.handedOut >= 3 })
            #expect(await settled(te.queue, workers: 2))
            #expect(!(try await goneOrTerminating(c, "intolerant")))
            try await c.patch(.nodes, "n2", ["spec": ["taints": [taint]]])
            #expect(try await eventually { try await goneOrTerminating(c, "intolerant") })
            #expect(try await eventually { try await goneOrTerminating(c, "wrong-value") })
            // The taint queued all three pods together: once the queue is done, so is "tolerant".
            #expect(await settled(te.queue, workers: 2))
            #expect(!(try await goneOrTerminating(c, "tolerant")))
            // A taint the controller does not manage stays.
            #expect(Taints.list(try await c.get(.nodes, "n2")).contains { $0["key"] == "example.com/maintenance" })
        }
    }
}

@Suite struct TaintTests {
    @Test func tolerationMatching() {
        let taint: JSON = ["key": "k", "value": "v", "effect": "NoExecute"]
        #expect(Taints.tolerates(["key": "k", "operator": "Exists"], taint))
        #expect(Taints.tolerates(["key": "k", "value": "v"], taint))
        #expect(!Taints.tolerates(["key": "k", "value": "w"], taint))
        #expect(!Taints.tolerates(["key": "k", "operator": "Exists", "effect": "NoSchedule"], taint))
        #expect(Taints.tolerates(["operator": "Exists"], taint))
        #expect(!Taints.tolerates(["key": "other", "operator": "Exists"], taint))
    }

    @Test func evictionDeadlines() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let added = now.addingTimeInterval(-10)
        let taints: [JSON] = [["key": "a", "effect": "NoExecute"], ["key": "b", "effect": "NoExecute"]]
        func pod(_ tolerations: JSON) -> JSON { ["spec": ["tolerations": tolerations]] }
        let deadline = { (p: JSON) in TaintEvictionController.deadline(pod: p, taints: taints, added: { _ in added }, now: now) }
        // Not tolerating one taint: now.
        #expect(deadline(pod([["key": "a", "operator": "Exists"]])) == now)
        // Tolerating both forever: never.
        #expect(deadline(pod([["operator": "Exists"]])) == nil)
        // The shortest tolerationSeconds counts, from when the taint was added.
        #expect(deadline(pod([["key": "a", "operator": "Exists", "tolerationSeconds": 60],
                              ["key": "b", "operator": "Exists", "tolerationSeconds": 30]])) == added.addingTimeInterval(30))
        #expect(deadline(pod([["operator": "Exists", "tolerationSeconds": 0]])) == now)
        #expect(TaintEvictionController.deadline(pod: pod([]), taints: [], added: { _ in added }, now: now) == nil)
    }
}
