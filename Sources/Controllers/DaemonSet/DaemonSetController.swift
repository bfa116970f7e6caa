import APIMachinery
import Client
import Foundation
import Logging

/// Runs DaemonSets (upstream's `DaemonSetsController`): one pod on every node the template's
/// placement accepts, pinned to it by a `matchFields metadata.name` node affinity the scheduler
/// honours; pods on nodes that no longer qualify are deleted; template changes roll out through
/// ControllerRevisions (`RollingUpdate` within maxUnavailable/maxSurge, or `OnDelete`).
///
/// Handlers map node, pod and revision changes to DaemonSet keys; `ControllerExpectations` keep a sync
/// from acting again before the pod cache shows its own creations and deletions.
public final class DaemonSetController: Reconciler, Sendable {
    static let kind = "DaemonSet"
    static let apiVersion = "apps/v1"
    /// Upstream's `BurstReplicas`: at most this many creates or deletes per sync.
    static let burstReplicas = 250
    static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"
    static let templateGenerationLabel = "pod-template-generation"
    static let revisionLabel = "controller-revision-hash"

    let client: KubeClient
    let daemonSets: Informer
    let pods: Informer
    let nodes: Informer
    let revisions: Informer
    let queue = WorkQueue<String>()
    let expectations: ControllerExpectations
    let failedPodsBackoff: FailedPodsBackoff
    /// Maps pod events to DaemonSet keys and counts expectations.
    let podEvents: OwnedPodEvents
    let recorder: EventRecorder
    let logger: Logger

    public convenience init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "daemonset-controller")) {
        self.init(client: client, informers: informers, recorder: recorder, clock: ContinuousClock(), logger: logger)
    }

    init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, clock: any MonotonicClock, logger: Logger) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        expectations = ControllerExpectations(clock: clock)
        failedPodsBackoff = FailedPodsBackoff(clock: clock)
        daemonSets = informers.informer(.daemonsets)
        pods = informers.informer(.pods, indexers: [Indexes.controllerUID: Indexes.controllerUIDFunc])
        nodes = informers.informer(.nodes)
        revisions = informers.informer(.controllerrevisions)
        podEvents = OwnedPodEvents(kind: Self.kind, groups: ["apps"], owners: daemonSets, queue: queue, expectations: expectations)
        podEvents.register(on: pods)
        daemonSets.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] d, _ in self?.queue.add(d.key) },
            onUpdate: { [weak self] _, d in self?.queue.add(d.key) },
            onDelete: { [weak self] d in
                if let k = d.key {
                    self?.expectations.delete(k)
                    self?.queue.add(k)
                }
            }))
        nodes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] n, _ in self?.nodeChanged(old: nil, new: n) },
            onUpdate: { [weak self] old, new in self?.nodeChanged(old: old, new: new) },
            onDelete: { [weak self] _ in self?.enqueueAll() }))
        revisions.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] r, _ in self?.revisionChanged(r) },
            onUpdate: { [weak self] _, r in self?.revisionChanged(r) },
            onDelete: { [weak self] d in self?.revisionChanged(d.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "daemonset", queue: queue, reconciler: self, maxRetries: nil, logger: logger)
            .run(workers: workers, informers: [daemonSets, pods, nodes, revisions])
    }

    func event(_ ds: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(ds, kind: Self.kind, apiVersion: Self.apiVersion, type, reason, message)
    }

    // MARK: Event handlers

    /// A new node, or one whose labels, taints or schedulability changed: every DaemonSet whose answer
    /// for it changes (upstream's `addNode` / `updateNode`).
    func nodeChanged(old: JSON?, new: JSON) {
        if let old, Semantic.equal(old["spec"], new["spec"]), old.labels == new.labels { return }
        for d in daemonSets.store.list() {
            let now = DaemonPodPlacement.shouldRun(d, on: new)
            if let old {
                let before = DaemonPodPlacement.shouldRun(d, on: old)
                if before.run != now.run || before.keep != now.keep { queue.add(d.key) }
            } else if now.run {
                queue.add(d.key)
            }
        }
    }

    func enqueueAll() {
        for d in daemonSets.store.list() { queue.add(d.key) }
    }

    func revisionChanged(_ r: JSON) {
        if let ref = r.controllerRef {
            if let d = podEvents.resolve(ref, namespace: r.namespace) { queue.add(d.key) }
            return
        }
        for d in podEvents.ownersSelecting(r) { queue.add(d.key) }
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let ds = daemonSets.store.get(key) else {
            expectations.delete(key)
            return
        }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelector: ds[path: ["spec", "selector"]])
        } catch {
            logger.error("daemonset \(key) has an invalid selector: \(error)")
            return
        }
        if selector.isEverything {
            event(ds, .warning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        }
        // Being deleted: the garbage collector may already have removed its history; nothing to do.
        if ds.isBeingDeleted { return }
        let nodeList = nodes.store.list().sorted { $0.name < $1.name }
        let (current, old) = try await constructHistory(ds, selector: selector)
        let hash = current.labels[Self.revisionLabel] ?? ""
        if !expectations.satisfied(key) {
            try await updateStatus(ds, nodes: nodeList, hash: hash, selector: selector, observedGeneration: false)
            return
        }
        var syncError: Error?
        do {
            try await manage(ds, nodes: nodeList, hash: hash, selector: selector)
            if expectations.satisfied(key), Self.strategyType(ds) == "RollingUpdate" {
                try await rollingUpdate(ds, nodes: nodeList, hash: hash, selector: selector)
            }
            try await cleanupHistory(ds, old: old, selector: selector)
        } catch {
            syncError = error
        }
        do {
            try await updateStatus(ds, nodes: nodeList, hash: hash, selector: selector, observedGeneration: true)
        } catch {
            if syncError == nil { syncError = error }
        }
        if let syncError { throw syncError }
    }

    static func strategyType(_ ds: JSON) -> String { ds[path: ["spec", "updateStrategy", "type"]]?.string ?? "RollingUpdate" }

    /// `deprecated.daemonset.template.generation`, which the API server keeps.
    static func templateGeneration(_ ds: JSON) -> String? { ds.annotations[templateGenerationAnnotation] }

    /// The pod is of the current template: its revision hash, or (for pods of old controllers) its
    /// template generation, matches (upstream's `IsPodUpdated`).
    static func isPodUpdated(_ pod: JSON, hash: String, generation: String?) -> Bool {
        let labels = pod.labels
        let templateMatches = generation != nil && labels[templateGenerationLabel] == generation
        let hashMatches = !hash.isEmpty && labels[revisionLabel] == hash
        return hashMatches || templateMatches
    }

    /// Scheduled pods first, then oldest, then by name (upstream's `podByCreationTimestampAndPhase`).
    static func byCreationAndPhase(_ a: JSON, _ b: JSON) -> Bool {
        let na = PodState.nodeName(a), nb = PodState.nodeName(b)
        if !na.isEmpty && nb.isEmpty { return true }
        if na.isEmpty && !nb.isEmpty { return false }
        let ta = a.creationTimestamp ?? .distantPast, tb = b.creationTimestamp ?? .distantPast
        if ta == tb { return a.name < b.name }
        return ta < tb
    }
}
