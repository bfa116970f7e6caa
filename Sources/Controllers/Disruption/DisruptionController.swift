import APIMachinery
import Client
import Foundation
import Logging

/// Keeps the status of every PodDisruptionBudget current (upstream's disruption controller): how many
/// of its pods are healthy, how many must be, how many it expects, and so how many voluntary disruptions
/// (evictions) are allowed now. The eviction subresource of the API server reads that status and
/// decrements `disruptionsAllowed` itself, recording the pod in `disruptedPods` until this controller
/// sees it go.
public final class DisruptionController: Reconciler, Sendable {
    static let kind = "PodDisruptionBudget"
    static let apiVersion = "policy/v1"
    static let budgets = ResourcePath(group: "policy", resource: "poddisruptionbudgets")

    let client: KubeClient
    let pdbs: Informer
    let pods: Informer
    let finder: ControllerScaleFinder
    let queue = WorkQueue<String>()
    let recorder: EventRecorder
    let logger: Logger
    let now: @Sendable () -> Date

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder,
                logger: Logger = Logger(label: "disruption-controller"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        self.now = now
        pdbs = informers.informer(Self.budgets)
        pods = informers.informer(.pods)
        finder = ControllerScaleFinder(
            client: client,
            replicaSets: informers.informer(.replicasets),
            deployments: informers.informer(.deployments),
            replicationControllers: informers.informer(ResourcePath(resource: "replicationcontrollers")),
            statefulSets: informers.informer(ResourcePath(group: "apps", resource: "statefulsets")))
        pdbs.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] pdb, _ in self?.queue.add(pdb.key) },
            onUpdate: { [weak self] _, pdb in self?.queue.add(pdb.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] pod, _ in self?.enqueueBudgets(of: pod) },
            onUpdate: { [weak self] old, new in
                self?.enqueueBudgets(of: new)
                if old.labels != new.labels { self?.enqueueBudgets(of: old) }
            },
            onDelete: { [weak self] d in self?.enqueueBudgets(of: d.object) }))
    }

    /// Runs `workers` reconcilers once the caches have synced, until cancelled.
    public func run(workers: Int) async {
        await ReconcileLoop(name: "disruption", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [pdbs, pods, finder.replicaSets, finder.deployments,
                                               finder.replicationControllers, finder.statefulSets])
    }

    /// The budgets whose selector matches `pod` (a pod without labels has none, as upstream's
    /// `GetPodPodDisruptionBudgets` says; a budget's empty selector matches every labelled pod).
    func budgets(of pod: JSON) -> [JSON] {
        let labels = pod.labels
        guard !labels.isEmpty else { return [] }
        return ((try? pdbs.store.byIndex(Indexer.namespaceIndex, pod.namespace)) ?? []).filter { pdb in
            guard let sel = try? LabelSelector(labelSelector: pdb[path: ["spec", "selector"]]) else { return false }
            return sel.matches(labels)
        }
    }

    func enqueueBudgets(of pod: JSON) {
        for pdb in budgets(of: pod) { queue.add(pdb.key) }
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let pdb = pdbs.store.get(key) else { return }
        do {
            try await sync(pdb)
        } catch let e as APIError where e.code == 409 {
            // Someone (the eviction subresource) wrote the status meanwhile: retry with the new one.
            throw e
        } catch {
            logger.error("failed to sync PDB \(key): \(error)")
            try await failSafe(pdb, error)
        }
    }

    /// Upstream's `trySync`.
    func sync(_ pdb: JSON) async throws {
        let pods = try podsOf(pdb)
        if pods.isEmpty {
            recorder.event(pdb, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "NoPods", "No matching pods found")
        }
        let counts: DisruptionBudget.Counts
        do {
            counts = try await DisruptionBudget.counts(pdb, pods: pods) { try await expectedScale(pods) }
        } catch {
            recorder.event(pdb, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "CalculateExpectedPodCountFailed",
                           "Failed to calculate the number of expected pods: \(error)")
            throw error
        }
        if !counts.unmanaged.isEmpty {
            logger.debug("found unmanaged pods associated with PDB \(pdb.key): \(counts.unmanaged)")
            recorder.event(pdb, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "UnmanagedPods",
                           "Pods selected by this PodDisruptionBudget (selector: \(Self.goString(selector: pdb[path: ["spec", "selector"]]))) were found "
                           + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
                           + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")
        }
        let time = now()
        let (disrupted, recheck, expired) = DisruptionBudget.disruptedPods(pdb, pods: pods, now: time)
        for pod in expired {
            // Upstream names the budget's namespace twice in this message.
            recorder.event(pod, kind: "Pod", apiVersion: "v1", .warning, "NotDeleted",
                           "Pod was expected by PDB \(pdb.namespace)/\(pdb.namespace) to be deleted but it wasn't")
        }
        let healthy = DisruptionBudget.currentHealthy(pods, disrupted: disrupted, now: time)
        if let status = DisruptionBudget.status(pdb, currentHealthy: healthy, counts: counts, disrupted: disrupted, now: time) {
            try await writeStatus(pdb, status)
        }
        if let recheck {
            queue.addAfter(pdb.key, .milliseconds(max(0, Int64(recheck.timeIntervalSince(time) * 1000))))
        }
    }

    /// The pods in the budget's namespace its selector matches (nil selects none, empty selects all).
    func podsOf(_ pdb: JSON) throws -> [JSON] {
        let selector = try LabelSelector(labelSelector: pdb[path: ["spec", "selector"]])
        return ((try? pods.store.byIndex(Indexer.namespaceIndex, pdb.namespace)) ?? []).filter { selector.matches($0.labels) }
    }

    /// The sum of the scales of the pods' controllers (upstream's `getExpectedScale`); pods without a
    /// controller are reported, a controller that cannot be found fails the sync.
    func expectedScale(_ pods: [JSON]) async throws -> (Int64, [String]) {
        var scales: [String: Int64] = [:]
        var unmanaged: [String] = []
        for pod in pods {
            guard let ref = pod.controllerRef else {
                unmanaged.append(pod.name)
                continue
            }
            if scales[ref.uid] != nil { continue }
            guard let found = try await finder.find(ref, namespace: pod.namespace) else {
                throw DisruptionBudget.InvalidBudget(description: "found no controllers for pod \(GoQuoting.quote(pod.name))")
            }
            scales[found.uid] = found.replicas
        }
        return (scales.values.reduce(0, +), unmanaged)
    }

    /// After a failed sync nothing may be disrupted (upstream's `failSafe`).
    func failSafe(_ pdb: JSON, _ error: Error) async throws {
        let status = DisruptionBudget.failSafeStatus(pdb, error: "\(error)", now: now())
        if Semantic.equal(pdb["status"], status) { return }
        try await writeStatus(pdb, status)
    }

    func writeStatus(_ pdb: JSON, _ status: JSON) async throws {
        var next = pdb
        next["status"] = status
        try await client.update(Self.budgets.inNamespace(pdb.namespace), next, subresource: "status")
    }

    /// A `metav1.LabelSelector` as Go's `%v` prints its pointer in upstream's events.
    static func goString(selector: JSON?) -> String {
        guard let selector, selector.isObject else { return "nil" }
        let labels = (selector["matchLabels"]?.object ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key): \($0.value.string ?? "")," }.joined()
        let exprs = (selector["matchExpressions"]?.array ?? []).map { e in
            let values = (e["values"]?.array ?? []).compactMap(\.string).joined(separator: " ")
            return "LabelSelectorRequirement{Key:\(e["key"]?.string ?? ""),Operator:\(e["operator"]?.string ?? ""),Values:[\(values)],},"
        }.joined()
        return "&LabelSelector{MatchLabels:map[string]string{\(labels)},MatchExpressions:[]LabelSelectorRequirement{\(exprs)},}"
    }
}
