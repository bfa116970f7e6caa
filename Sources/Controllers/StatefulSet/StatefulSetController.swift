import APIMachinery
import Client
import Foundation
import Logging

/// Runs StatefulSets (upstream's `StatefulSetController`): pods with stable names `<set>-<ordinal>`,
/// hostnames and claims, created and removed in ordinal order, rolled through ControllerRevisions.
///
/// The handlers map pod changes to the key of the set that owns (or could adopt) the pod; `reconcile`
/// claims the set's revisions and pods, then runs a `StatefulSetSync`. There are no expectations:
/// pods have fixed names, so a creation the cache has not shown yet fails with AlreadyExists and is
/// retried, never doubled.
public final class StatefulSetController: Reconciler, Sendable {
    static let kind = "StatefulSet"
    static let apiVersion = "apps/v1"

    let client: KubeClient
    let sets: Informer
    let pods: Informer
    let revisions: Informer
    let claims: Informer
    let queue = WorkQueue<String>()
    let recorder: EventRecorder
    let logger: Logger
    let history: RevisionHistory
    let podControl: StatefulPodControl
    /// Maps pod events to StatefulSet keys.
    let podEvents: OwnedPodEvents

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "statefulset-controller")) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        sets = informers.informer(.statefulsets)
        pods = informers.informer(.pods, indexers: [Indexes.controllerUID: Indexes.controllerUIDFunc])
        revisions = informers.informer(.controllerrevisions)
        claims = informers.informer(.persistentvolumeclaims)
        history = RevisionHistory(client: client)
        podControl = StatefulPodControl(client: client, claims: claims, recorder: recorder, logger: logger)
        podEvents = OwnedPodEvents(kind: Self.kind, groups: ["apps"], owners: sets, queue: queue, expectations: nil)
        podEvents.register(on: pods)
        sets.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] s, _ in self?.queue.add(s.key) },
            onUpdate: { [weak self] _, s in self?.queue.add(s.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "statefulset", queue: queue, reconciler: self, maxRetries: nil, logger: logger)
            .run(workers: workers, informers: [sets, pods, revisions, claims])
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let set = sets.store.get(key) else { return }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelector: set[path: ["spec", "selector"]])
        } catch {
            recorder.event(set, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "InvalidSelector", "Error parsing selector: \(error)")
            return
        }
        let matches: (JSON) -> Bool = { selector.matches($0.labels) }
        let inNamespaceRevisions = (try? revisions.store.byIndex(Indexer.namespaceIndex, set.namespace)) ?? []
        let ownedRevisions = try await ControllerRefManager(
            client: client, resource: .controllerrevisions, owner: set, ownerKind: Self.kind, ownerAPIVersion: Self.apiVersion,
            matches: matches, logger: logger
        ).claim(inNamespaceRevisions.filter { $0.controllerRef == nil || $0.controllerRef?.uid == set.uid })
        let members = ((try? pods.store.byIndex(Indexer.namespaceIndex, set.namespace)) ?? []).filter { StatefulSetIdentity.isMember(set, $0) }
        let claimed = try await ControllerRefManager(
            client: client, resource: .pods, owner: set, ownerKind: Self.kind, ownerAPIVersion: Self.apiVersion,
            matches: matches, logger: logger
        ).claim(members)
        let status = try await StatefulSetSync(controller: self, set: set, pods: claimed, revisions: ownedRevisions).run()
        let minReady = set.integer(at: ["spec", "minReadySeconds"])
        if minReady > 0, let status, status.availableReplicas != Int64(StatefulSetIdentity.replicas(set)) {
            queue.addAfter(key, .seconds(minReady))
        }
    }
}
