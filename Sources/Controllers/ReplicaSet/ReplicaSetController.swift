import APIMachinery
import Client
import Foundation
import Logging

/// Keeps `spec.replicas` pods running for every ReplicaSet (upstream's `ReplicaSetController`), or for
/// every ReplicationController when built with `.replicationController` (upstream's replication manager,
/// which is this controller over another kind).
///
/// Level-triggered: every change of a ReplicaSet or of a pod it owns (or could adopt) queues the
/// ReplicaSet's key; `reconcile` then compares the pods in the cache with the spec, creates or deletes
/// the difference, and writes the status. `ControllerExpectations` keep it from acting again before the
/// cache has seen its own creations and deletions.
public final class ReplicaSetController: Reconciler, Sendable {
    /// Upstream's `BurstReplicas`: at most this many creates or deletes per sync.
    static let burstReplicas = 500

    let client: KubeClient
    let target: ReplicatedKind
    let replicaSets: Informer
    let pods: Informer
    /// Failed syncs come back with per-key exponential backoff on this queue's clock.
    let queue: WorkQueue<String>
    let expectations = ControllerExpectations()
    /// Maps pod events to ReplicaSet keys and counts expectations.
    let podEvents: OwnedPodEvents
    let recorder: EventRecorder
    let logger: Logger

    public convenience init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "replicaset-controller")) {
        self.init(kind: .replicaSet, client: client, informers: informers, recorder: recorder, logger: logger)
    }

    /// The ReplicationController manager: this controller over ReplicationControllers.
    public static func replicationManager(client: KubeClient, informers: SharedInformers, recorder: EventRecorder,
                                          logger: Logger = Logger(label: "replicationcontroller-controller")) -> ReplicaSetController {
        ReplicaSetController(kind: .replicationController, client: client, informers: informers, recorder: recorder, logger: logger)
    }

    /// `clock` times the retries of failed syncs (tests pass a `ManualClock` to step through the backoff).
    init(kind: ReplicatedKind, client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger,
         clock: any MonotonicClock = ContinuousClock()) {
        queue = WorkQueue<String>(clock: clock)
        self.client = client
        target = kind
        self.recorder = recorder
        self.logger = logger
        replicaSets = informers.informer(kind.resource)
        pods = informers.informer(.pods, indexers: [Indexes.controllerUID: Indexes.controllerUIDFunc])
        podEvents = OwnedPodEvents(kind: kind.kind, groups: Set(kind.groups), owners: replicaSets, queue: queue,
                                   expectations: expectations, selector: kind.selector)
        podEvents.register(on: pods)
        replicaSets.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] rs, _ in self?.queue.add(rs.key) },
            onUpdate: { [weak self] _, rs in self?.queue.add(rs.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
    }

    /// Runs `workers` reconcilers once the caches have synced, until cancelled. A failed sync (pods
    /// refused by admission or quota) is retried forever, as upstream does, each retry of the same
    /// ReplicaSet waiting twice as long as the last (from 5ms up to 1000s) until a sync succeeds.
    public func run(workers: Int) async {
        await ReconcileLoop(name: target.loopName, queue: queue, reconciler: self, maxRetries: nil, logger: logger)
            .run(workers: workers, informers: [replicaSets, pods])
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let rs = replicaSets.store.get(key) else {
            expectations.delete(key)
            return
        }
        let needsSync = expectations.satisfied(key)
        let selector: LabelSelector
        do {
            selector = try target.selector(rs)
        } catch {
            // Invalid selectors are rejected by validation; nothing sensible can be done with one.
            logger.error("\(target.loopName) \(key) has an invalid selector: \(error)")
            return
        }
        let inNamespace = (try? pods.store.byIndex(Indexer.namespaceIndex, rs.namespace)) ?? []
        let active = inNamespace.filter(PodState.isActive)
        let claimed = try await ControllerRefManager(
            client: client, resource: .pods, owner: rs, ownerKind: target.kind, ownerAPIVersion: target.apiVersion,
            matches: { selector.matches($0.labels) }, logger: logger
        ).claim(active)

        var manageError: ManageReplicasError?
        if needsSync && !rs.isBeingDeleted {
            manageError = await manageReplicas(claimed, rs)
        }
        let status = ReplicaSetStatus.calculate(rs, pods: claimed, manageError: manageError, now: Date())
        let updated = try await updateStatus(rs, status)
        let minReady = rs.integer(at: ["spec", "minReadySeconds"])
        if manageError == nil, minReady > 0,
           updated.integer(at: ["status", "readyReplicas"]) == rs.integer(at: ["spec", "replicas"], default: 1),
           updated.integer(at: ["status", "availableReplicas"]) != rs.integer(at: ["spec", "replicas"], default: 1) {
            queue.addAfter(key, .seconds(minReady))
        }
        if let manageError { throw manageError }
    }

    struct ManageReplicasError: Error, CustomStringConvertible {
        /// FailedCreate or FailedDelete: the reason of the ReplicaFailure condition.
        var reason: String
        var underlying: Error
        var description: String { "\(underlying)" }
    }

    /// Creates or deletes pods so that `pods.count` moves to `spec.replicas` (upstream's `manageReplicas`).
    func manageReplicas(_ pods: [JSON], _ rs: JSON) async -> ManageReplicasError? {
        let key = rs.key
        let want = Int(rs.integer(at: ["spec", "replicas"], default: 1))
        let diff = pods.count - want
        if diff < 0 {
            let count = min(-diff, Self.burstReplicas)
            expectations.expectCreations(key, count)
            logger.debug("too few replicas for \(key): need \(want), creating \(count)")
            let (created, error) = await SlowStart.run(count: count) { [self] in try await createPod(rs) }
            // Creations that were never attempted will never be observed.
            for _ in 0..<(count - created) { expectations.creationObserved(key) }
            return error.map { ManageReplicasError(reason: "FailedCreate", underlying: $0) }
        }
        if diff > 0 {
            let count = min(diff, Self.burstReplicas)
            let victims = Array(ActivePodsOrdering(now: Date()).sorted(pods, related: pods).prefix(count))
            expectations.expectDeletions(key, podKeys: victims.map(\.key))
            logger.debug("too many replicas for \(key): need \(want), deleting \(count)")
            var firstError: Error?
            await withTaskGroup(of: Error?.self) { group in
                for pod in victims {
                    group.addTask { [self] in
                        do {
                            try await client.delete(ResourcePath.pods.inNamespace(pod.namespace), pod.name)
                            recorder.event(rs, kind: target.kind, apiVersion: target.apiVersion, .normal, "SuccessfulDelete", "Deleted pod: \(pod.name)")
                            return nil
                        } catch {
                            // This deletion will never be observed.
                            expectations.deletionObserved(key, podKey: pod.key)
                            if let e = error as? APIError, e.code == 404 { return nil }
                            recorder.event(rs, kind: target.kind, apiVersion: target.apiVersion, .warning, "FailedDelete", "Error deleting: \(error)")
                            return error
                        }
                    }
                }
                for await e in group where firstError == nil { firstError = e }
            }
            return firstError.map { ManageReplicasError(reason: "FailedDelete", underlying: $0) }
        }
        return nil
    }

    func createPod(_ rs: JSON) async throws {
        let pod = try PodTemplate.pod(from: rs, kind: target.kind, apiVersion: target.apiVersion)
        do {
            let created = try await client.create(.pods.inNamespace(rs.namespace), pod)
            recorder.event(rs, kind: target.kind, apiVersion: target.apiVersion, .normal, "SuccessfulCreate", "Created pod: \(created.name)")
        } catch {
            recorder.event(rs, kind: target.kind, apiVersion: target.apiVersion, .warning, "FailedCreate", "Error creating: \(error)")
            throw error
        }
    }

    /// Writes `status` unless the ReplicaSet already shows it; on a conflict, retries once against the
    /// live object (upstream's `updateReplicaSetStatus`).
    func updateStatus(_ rs: JSON, _ status: JSON) async throws -> JSON {
        var current = rs
        for attempt in 0..<2 {
            var wanted = status
            wanted["observedGeneration"] = current.generation == 0 ? nil : .int(current.generation)
            if Semantic.equal(current["status"], wanted) { return current }
            var next = current
            next["status"] = wanted
            do {
                return try await client.update(target.resource.inNamespace(rs.namespace), next, subresource: "status")
            } catch let e as APIError where e.code == 409 && attempt == 0 {
                current = try await client.get(target.resource.inNamespace(rs.namespace), rs.name)
            }
        }
        return current
    }
}
