import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Watches node heartbeats and marks silent nodes (upstream's node lifecycle controller).
///
/// A node is heard from when its Lease in `kube-node-lease` is renewed or its Ready condition's
/// heartbeat moves. When neither happened for `gracePeriod` (by this controller's clock, from when it
/// last saw a change, so clock skew between machines does not matter), its Ready, MemoryPressure,
/// DiskPressure and PIDPressure conditions become Unknown ("Kubelet stopped posting node status."), its
/// pods are marked not ready, and it is tainted `node.kubernetes.io/unreachable` (NoSchedule and
/// NoExecute; the taint eviction controller then evicts pods that do not tolerate it). Taints follow the
/// Ready condition: False gives `not-ready`, and a heard-from node loses the unreachable taints (its
/// kubelet will post real conditions again).
public final class NodeLifecycleController: Reconciler, Sendable {
    public struct Options: Sendable {
        /// How long a node may stay silent before it is considered unreachable (upstream's
        /// `--node-monitor-grace-period`, 40s).
        public var gracePeriod: Duration = .seconds(40)
        /// How often every node is checked (upstream's `--node-monitor-period`, 5s).
        public var monitorPeriod: Duration = .seconds(5)
        public init(gracePeriod: Duration = .seconds(40), monitorPeriod: Duration = .seconds(5)) {
            self.gracePeriod = gracePeriod
            self.monitorPeriod = monitorPeriod
        }
    }

    static let leaseNamespace = "kube-node-lease"
    static let unknownConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]

    let client: KubeClient
    let options: Options
    let nodes: Informer
    let leases: Informer
    let pods: Informer
    let queue: WorkQueue<String>
    let recorder: EventRecorder
    let logger: Logger
    /// Times silence, the monitor period and re-checks (tests pass a `ManualClock`).
    let clock: any MonotonicClock

    struct Health {
        var probe: ContinuousClock.Instant
        var renewTime: String?
        var heartbeat: String?
    }

    let health = Mutex<[String: Health]>([:])

    public init(client: KubeClient, informers: SharedInformers, options: Options = Options(), recorder: EventRecorder,
                logger: Logger = Logger(label: "node-lifecycle-controller"), clock: any MonotonicClock = ContinuousClock()) {
        self.clock = clock
        queue = WorkQueue(clock: clock)
        self.client = client
        self.options = options
        self.recorder = recorder
        self.logger = logger
        nodes = informers.informer(.nodes)
        leases = informers.informer(.leases.inNamespace(Self.leaseNamespace))
        pods = informers.informer(.pods, indexers: [Indexes.nodeName: Indexes.nodeNameFunc])
        nodes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] n, _ in self?.queue.add(n.name) },
            onUpdate: { [weak self] _, n in self?.queue.add(n.name) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        leases.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] l, _ in self?.queue.add(l.name) },
            onUpdate: { [weak self] _, l in self?.queue.add(l.name) }))
    }

    /// Checks every node each `monitorPeriod` and reconciles with `workers` tasks, until cancelled.
    public func run(workers: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await ReconcileLoop(name: "nodelifecycle", queue: self.queue, reconciler: self, logger: self.logger)
                    .run(workers: workers, informers: [self.nodes, self.leases, self.pods])
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await self.clock.sleep(for: self.options.monitorPeriod) } catch { return }
                    for name in self.nodes.store.listKeys() { self.queue.add(name) }
                }
            }
        }
    }

    /// Records what was heard from `node` and returns whether it has been silent too long.
    func isSilent(_ node: JSON, now: ContinuousClock.Instant) -> Bool {
        let renew = leases.store.get(namespace: Self.leaseNamespace, name: node.name)?[path: ["spec", "renewTime"]]?.string
        let heartbeat = PodState.condition(node, "Ready")?["lastHeartbeatTime"]?.string
        return health.withLock { h in
            guard var entry = h[node.name] else {
                h[node.name] = Health(probe: now, renewTime: renew, heartbeat: heartbeat)
                return false
            }
            if entry.renewTime != renew || entry.heartbeat != heartbeat {
                entry = Health(probe: now, renewTime: renew, heartbeat: heartbeat)
                h[node.name] = entry
            }
            return now - entry.probe > options.gracePeriod
        }
    }

    public func reconcile(_ name: String) async throws {
        guard var node = nodes.store.get(name) else {
            _ = health.withLock { $0.removeValue(forKey: name) }
            return
        }
        if health.withLock({ $0[name] == nil }) {
            // First seen by this controller (a new node, or this controller manager just started), as
            // upstream's knownNodeSet: the event is about the Node itself, with its uid.
            recorder.event(regarding: ["kind": "Node", "name": .string(name), "uid": .string(node.uid)],
                           .normal, "RegisteredNode", "Node \(name) event: Registered Node \(name) in Controller")
        }
        let silent = isSilent(node, now: clock.now)
        if silent {
            // Re-checked soon: the taints must follow.
            if try await markUnknown(&node) {
                recorder.event(node, kind: "Node", apiVersion: "v1", .normal, "NodeNotReady", "Node \(name) status is now: NodeNotReady")
                try await markPodsNotReady(name)
            }
        } else {
            queue.addAfter(name, options.gracePeriod + .milliseconds(100))
        }
        try await reconcileTaints(node, silent: silent)
    }

    /// Sets the node's conditions Unknown; false when they already were.
    func markUnknown(_ node: inout JSON) async throws -> Bool {
        var conditions = node[path: ["status", "conditions"]]?.array ?? []
        if conditions.first(where: { $0["type"]?.string == "Ready" })?["status"]?.string == "Unknown" { return false }
        let now = JSON.string(RFC3339.time())
        for type in Self.unknownConditions {
            if let i = conditions.firstIndex(where: { $0["type"]?.string == type }) {
                if conditions[i]["status"]?.string == "Unknown" { continue }
                conditions[i]["status"] = "Unknown"
                conditions[i]["reason"] = "NodeStatusUnknown"
                conditions[i]["message"] = "Kubelet stopped posting node status."
                conditions[i]["lastTransitionTime"] = now
            } else {
                conditions.append([
                    "type": .string(type), "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                    "message": "Kubelet never posted node status.",
                    "lastHeartbeatTime": node[path: ["metadata", "creationTimestamp"]] ?? now, "lastTransitionTime": now,
                ])
            }
        }
        node[path: ["status", "conditions"]] = .array(conditions)
        logger.info("node \(node.name) stopped posting status: marking it Unknown")
        node = try await client.update(.nodes, node, subresource: "status")
        return true
    }

    /// Upstream's `MarkPodsNotReady`: pods on an unreachable node no longer serve.
    func markPodsNotReady(_ node: String) async throws {
        for pod in (try? pods.store.byIndex(Indexes.nodeName, node)) ?? [] {
            var conditions = pod[path: ["status", "conditions"]]?.array ?? []
            guard let i = conditions.firstIndex(where: { $0["type"]?.string == "Ready" }), conditions[i]["status"]?.string != "False" else { continue }
            conditions[i]["status"] = "False"
            conditions[i]["lastTransitionTime"] = .string(RFC3339.time())
            do {
                try await client.patch(.pods.inNamespace(pod.namespace), pod.name,
                                       ["status": ["conditions": .array(conditions)], "metadata": ["resourceVersion": .string(pod.resourceVersion)]],
                                       subresource: "status")
            } catch let e as APIError where e.code == 404 {
            }
        }
    }

    /// The taints this controller manages, as the node's state asks for them.
    func wantedTaints(_ node: JSON, silent: Bool) -> [JSON] {
        var out: [JSON] = []
        let ready = PodState.condition(node, "Ready")?["status"]?.string
        let key: String? = silent ? Taints.unreachable : (ready == "False" ? Taints.notReady : nil)
        if let key {
            out.append(["key": .string(key), "effect": "NoSchedule"])
            out.append(["key": .string(key), "effect": "NoExecute"])
        }
        if node[path: ["spec", "unschedulable"]]?.bool == true {
            out.append(["key": .string(Taints.unschedulable), "effect": "NoSchedule"])
        }
        return out
    }

    func reconcileTaints(_ node: JSON, silent: Bool) async throws {
        let managed: Set<String> = [Taints.unreachable, Taints.notReady, Taints.unschedulable]
        let current = Taints.list(node)
        let wanted = wantedTaints(node, silent: silent)
        var next = current.filter { t in
            !managed.contains(t["key"]?.string ?? "") || wanted.contains { Taints.same($0, t) }
        }
        for w in wanted where !next.contains(where: { Taints.same($0, w) }) {
            var t = w
            if t["effect"] == "NoExecute" { t["timeAdded"] = .string(RFC3339.time()) }
            next.append(t)
        }
        if next.count == current.count && zip(next, current).allSatisfy({ Taints.same($0, $1) }) { return }
        var updated = node
        updated[path: ["spec", "taints"]] = next.isEmpty ? nil : .array(next)
        try await client.update(.nodes, updated)
        logger.info("node \(node.name): taints now \(next.map { "\($0["key"]?.string ?? ""):\($0["effect"]?.string ?? "")" })")
    }
}
