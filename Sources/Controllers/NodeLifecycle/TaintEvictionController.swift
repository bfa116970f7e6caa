import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Evicts pods from nodes with NoExecute taints they do not tolerate (upstream's taint eviction
/// controller, formerly the NoExecuteTaintManager).
///
/// A pod that does not tolerate every NoExecute taint of its node is deleted at once; one that
/// tolerates them all for limited times (`tolerationSeconds`, 300s for the not-ready/unreachable
/// tolerations the API server adds to every pod) is deleted when the first of those runs out, counted
/// from the taint's `timeAdded`. Before deleting, the pod gets a `DisruptionTarget` condition saying
/// why, as upstream.
public final class TaintEvictionController: Reconciler, Sendable {
    let client: KubeClient
    let nodes: Informer
    let pods: Informer
    let queue = WorkQueue<String>()
    let recorder: EventRecorder
    let logger: Logger
    /// When a NoExecute taint without `timeAdded` was first seen (node/key/effect → time).
    let firstSeen = Mutex<[String: Date]>([:])

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder,
                logger: Logger = Logger(label: "taint-eviction-controller")) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        nodes = informers.informer(.nodes)
        pods = informers.informer(.pods, indexers: [Indexes.nodeName: Indexes.nodeNameFunc])
        nodes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] n, _ in self?.nodeChanged(n) },
            onUpdate: { [weak self] old, new in
                if Taints.noExecute(old) != Taints.noExecute(new) || old.resourceVersion == new.resourceVersion { self?.nodeChanged(new) }
            }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] p, _ in if !PodState.nodeName(p).isEmpty { self?.queue.add(p.key) } },
            onUpdate: { [weak self] _, p in if !PodState.nodeName(p).isEmpty { self?.queue.add(p.key) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "tainteviction", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [nodes, pods])
    }

    func nodeChanged(_ node: JSON) {
        guard !Taints.noExecute(node).isEmpty else { return }
        for pod in (try? pods.store.byIndex(Indexes.nodeName, node.name)) ?? [] { queue.add(pod.key) }
    }

    /// When `taint` began to count for eviction.
    func added(_ taint: JSON, node: String, now: Date) -> Date {
        if let t = taint["timeAdded"]?.string.flatMap(RFC3339.parse) { return t }
        let k = "\(node)/\(taint["key"]?.string ?? "")/\(taint["effect"]?.string ?? "")"
        return firstSeen.withLock { m in
            if let t = m[k] { return t }
            m[k] = now
            return now
        }
    }

    /// When the pod must go: nil never, `now` or earlier at once (upstream's `processPodOnNode` with
    /// `getMinTolerationTime`).
    static func deadline(pod: JSON, taints: [JSON], added: (JSON) -> Date, now: Date) -> Date? {
        guard !taints.isEmpty else { return nil }
        let tolerations = pod[path: ["spec", "tolerations"]]?.array ?? []
        guard let used = Taints.matchingTolerations(taints, tolerations) else { return now }
        var earliest: Date?
        for (taint, toleration) in used {
            guard let seconds = toleration["tolerationSeconds"]?.int else { continue }
            if seconds <= 0 { return now }
            let due = added(taint).addingTimeInterval(Double(seconds))
            if earliest == nil || due < earliest! { earliest = due }
        }
        return earliest
    }

    public func reconcile(_ key: String) async throws {
        guard let pod = pods.store.get(key), !pod.isBeingDeleted else { return }
        let nodeName = PodState.nodeName(pod)
        guard !nodeName.isEmpty, let node = nodes.store.get(nodeName) else { return }
        let now = Date()
        let taints = Taints.noExecute(node)
        guard let due = Self.deadline(pod: pod, taints: taints, added: { added($0, node: nodeName, now: now) }, now: now) else { return }
        if due > now {
            queue.addAfter(key, .milliseconds(Int64(due.timeIntervalSince(now) * 1000) + 10))
            return
        }
        try await evict(pod)
    }

    func evict(_ pod: JSON) async throws {
        let path = ResourcePath.pods.inNamespace(pod.namespace)
        var conditions = (pod[path: ["status", "conditions"]]?.array ?? []).filter { $0["type"]?.string != "DisruptionTarget" }
        conditions.append([
            "type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint", "lastTransitionTime": .string(RFC3339.time()),
        ])
        recorder.event(pod, kind: "Pod", apiVersion: "v1", .normal, "TaintManagerEviction", "Marking for deletion Pod \(pod.key)")
        do {
            try await client.patch(path, pod.name, ["status": ["conditions": .array(conditions)]], subresource: "status")
            try await client.delete(path, pod.name)
            logger.info("evicted pod \(pod.key) from tainted node \(PodState.nodeName(pod))")
        } catch let e as APIError where e.code == 404 {
        }
    }
}
