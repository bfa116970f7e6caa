import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Runs every Job's pods to completion (upstream's `job-controller`).
///
/// Level-triggered like the ReplicaSet controller: changes of a Job or of its pods queue the Job's key,
/// and `syncJob` compares what the pod cache shows with the spec — creating pods up to `parallelism`
/// (and never beyond the completions still needed), deleting extra ones, counting finished pods through
/// the `batch.kubernetes.io/job-tracking` finalizer and `status.uncountedTerminatedPods`, and setting
/// the conditions. Pods with the finalizer whose Job is gone or finished are queued as `pod:ns/name`
/// and have the finalizer removed.
public final class JobController: Reconciler, Sendable {
    static let kind = "Job"
    static let apiVersion = "batch/v1"
    /// Upstream's `MaxPodCreateDeletePerSync`.
    static let maxPodCreateDeletePerSync = 500
    /// Upstream's `MaxUncountedPods`: how many UIDs one status write records.
    static let maxUncountedPods = 500
    static let orphanPrefix = "pod:"

    let client: KubeClient
    let jobs: Informer
    let pods: Informer
    let queue: WorkQueue<String>
    let expectations: ControllerExpectations
    let finalizerExpectations = FinalizerExpectations()
    let backoff = JobBackoff()
    let recorder: EventRecorder
    let clock: WallClock
    /// How long pod events wait before their Job is synced (upstream's `syncJobBatchPeriod`, 1 s): the
    /// pods of a wave that finish together are counted in one sync, one status write and one round of
    /// finalizer removals, instead of a sync per pod whose status writes conflict with each other.
    let batchPeriod: Duration
    let logger: Logger

    public convenience init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "job-controller")) {
        self.init(client: client, informers: informers, recorder: recorder, clock: WallClock(), batchPeriod: .seconds(1), logger: logger)
    }

    /// With the time back-off, deadlines and expectations run on (tests pass a manual clock), and the
    /// pod-event batching (none unless asked for, so that tests see each pod event's sync).
    init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, clock: WallClock,
         batchPeriod: Duration = .zero, logger: Logger = Logger(label: "job-controller")) {
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.batchPeriod = batchPeriod
        self.logger = logger
        queue = WorkQueue<String>(clock: clock.clock)
        expectations = ControllerExpectations(clock: clock.clock)
        jobs = informers.informer(.jobs)
        pods = informers.informer(.pods, indexers: [Indexes.controllerUID: Indexes.controllerUIDFunc])
        jobs.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] job, _ in self?.queue.add(job.key) },
            onUpdate: { [weak self] _, job in self?.queue.add(job.key) },
            onDelete: { [weak self] d in self?.jobDeleted(d.object, key: d.key) }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] pod, _ in self?.podAdded(pod) },
            onUpdate: { [weak self] old, new in self?.podUpdated(old: old, new: new) },
            onDelete: { [weak self] d in self?.podDeleted(d.object) }))
    }

    /// Runs `workers` reconcilers once the caches have synced, until cancelled.
    public func run(workers: Int) async {
        await ReconcileLoop(name: "job", queue: queue, reconciler: self, maxRetries: nil, logger: logger)
            .run(workers: workers, informers: [jobs, pods])
    }

    public func reconcile(_ key: String) async throws {
        if key.hasPrefix(Self.orphanPrefix) {
            try await syncOrphanPod(String(key.dropFirst(Self.orphanPrefix.count)))
        } else {
            try await syncJob(key)
        }
    }

    // MARK: Event handlers

    /// A pod event's sync of its Job, after the batch period (upstream's `enqueueSyncJobBatched`); a Job's
    /// own changes sync at once.
    func enqueueBatched(_ key: String) {
        queue.addAfter(key, batchPeriod)
    }

    /// The Job a controller reference names, if it is in the cache with that UID.
    func resolve(_ ref: OwnerReference, namespace: String) -> JSON? {
        guard ref.kind == Self.kind, ref.group == "batch" else { return nil }
        guard let job = jobs.store.get(namespace: namespace, name: ref.name), job.uid == ref.uid else { return nil }
        return job
    }

    /// Jobs whose selector matches an orphan pod: candidates to adopt it.
    func jobsSelecting(_ pod: JSON) -> [JSON] {
        let labels = pod.labels
        guard !labels.isEmpty else { return [] }
        return ((try? jobs.store.byIndex(Indexer.namespaceIndex, pod.namespace)) ?? []).filter { job in
            guard let sel = try? LabelSelector(labelSelector: job[path: ["spec", "selector"]]), !sel.isEverything else { return false }
            return sel.matches(labels)
        }
    }

    func podAdded(_ pod: JSON) {
        if pod.isBeingDeleted {
            podDeleted(pod, final: false)
            return
        }
        if let ref = pod.controllerRef {
            if let job = resolve(ref, namespace: pod.namespace) {
                expectations.creationObserved(job.key)
                enqueueBatched(job.key)
            } else if JobFacts.hasTrackingFinalizer(pod) {
                queue.add(Self.orphanPrefix + pod.key)
            }
            return
        }
        if JobFacts.hasTrackingFinalizer(pod) { queue.add(Self.orphanPrefix + pod.key) }
        for job in jobsSelecting(pod) { enqueueBatched(job.key) }
    }

    func podUpdated(old: JSON, new: JSON) {
        if old.resourceVersion == new.resourceVersion { return }
        if JobFacts.hasTrackingFinalizer(old) && !JobFacts.hasTrackingFinalizer(new), let ref = new.controllerRef {
            finalizerExpectations.observed(ObjectKey.make(namespace: new.namespace, name: ref.name), uid: new.uid)
        }
        if new.isBeingDeleted {
            podDeleted(new, final: false)
            if old.controllerRef != new.controllerRef { podDeleted(old, final: false) }
            return
        }
        let oldRef = old.controllerRef, newRef = new.controllerRef
        if oldRef != newRef, let oldRef, let job = resolve(oldRef, namespace: old.namespace) {
            enqueueBatched(job.key)
        }
        if let newRef {
            if let job = resolve(newRef, namespace: new.namespace) {
                enqueueBatched(job.key)
            } else if JobFacts.hasTrackingFinalizer(new) {
                queue.add(Self.orphanPrefix + new.key)
            }
            return
        }
        if JobFacts.hasTrackingFinalizer(new) { queue.add(Self.orphanPrefix + new.key) }
        if old.labels != new.labels || oldRef != newRef {
            for job in jobsSelecting(new) { enqueueBatched(job.key) }
        }
    }

    func podDeleted(_ pod: JSON, final: Bool = true) {
        guard let ref = pod.controllerRef else {
            if JobFacts.hasTrackingFinalizer(pod), !final { queue.add(Self.orphanPrefix + pod.key) }
            return
        }
        let jobKey = ObjectKey.make(namespace: pod.namespace, name: ref.name)
        if final { finalizerExpectations.observed(jobKey, uid: pod.uid) }
        guard let job = resolve(ref, namespace: pod.namespace) else {
            if JobFacts.hasTrackingFinalizer(pod), !final { queue.add(Self.orphanPrefix + pod.key) }
            return
        }
        expectations.deletionObserved(job.key, podKey: pod.key)
        enqueueBatched(job.key)
    }

    /// A deleted Job's pods keep no finalizer of its (upstream's `cleanupPodFinalizers`).
    func jobDeleted(_ job: JSON, key: String?) {
        if let key { queue.add(key) }
        guard !job.uid.isEmpty else { return }
        for pod in (try? pods.store.byIndex(Indexes.controllerUID, job.uid)) ?? [] where JobFacts.hasTrackingFinalizer(pod) {
            queue.add(Self.orphanPrefix + pod.key)
        }
    }

    // MARK: Orphan pods

    /// Removes the tracking finalizer from a pod no unfinished Job counts any more (upstream's `syncOrphanPod`).
    func syncOrphanPod(_ podKey: String) async throws {
        guard let pod = pods.store.get(podKey), JobFacts.hasTrackingFinalizer(pod) else { return }
        if let ref = pod.controllerRef {
            guard ref.kind == Self.kind, ref.apiVersion == Self.apiVersion else { return }
            if let job = resolve(ref, namespace: pod.namespace), !JobFacts.isFinished(job) { return }
        }
        try await removeTrackingFinalizer(pod)
    }

    /// Removes the finalizer with a JSON patch that first tests the list it was computed from: other
    /// finalizers added meanwhile are never lost (the test fails and the sync retries), and an emptied list
    /// is removed rather than left as `[]`, as upstream's objects show no empty `finalizers`.
    func removeTrackingFinalizer(_ pod: JSON) async throws {
        let current = pod.finalizers
        let remaining = current.filter { $0 != JobFacts.trackingFinalizer }
        guard remaining.count != current.count else { return }
        let test: JSON = ["op": "test", "path": "/metadata/finalizers", "value": .array(current.map(JSON.string))]
        let change: JSON = remaining.isEmpty
            ? ["op": "remove", "path": "/metadata/finalizers"]
            : ["op": "replace", "path": "/metadata/finalizers", "value": .array(remaining.map(JSON.string))]
        do {
            try await client.patch(.pods.inNamespace(pod.namespace), pod.name, [test, change], type: "application/json-patch+json")
        } catch let e as APIError where e.code == 404 {
            // Gone already: nothing holds it.
        }
    }
}

/// Pod UIDs whose tracking-finalizer removal a Job has sent but not yet seen (upstream's
/// `uidTrackingExpectations`): until the cache shows them without it, they must not be counted again.
final class FinalizerExpectations: Sendable {
    private let expected = Mutex<[String: Set<String>]>([:])

    func expect(_ jobKey: String, _ uids: [String]) {
        guard !uids.isEmpty else { return }
        expected.withLock { $0[jobKey, default: []].formUnion(uids) }
    }

    func observed(_ jobKey: String, uid: String) {
        expected.withLock { e in
            guard var set = e[jobKey], set.remove(uid) != nil else { return }
            e[jobKey] = set.isEmpty ? nil : set
        }
    }

    func expectedUIDs(_ jobKey: String) -> Set<String> { expected.withLock { $0[jobKey] ?? [] } }

    func delete(_ jobKey: String) { _ = expected.withLock { $0.removeValue(forKey: jobKey) } }
}
