import APIMachinery
import Client
import Foundation
import Logging

/// Keeps `status.hard` and `status.used` of every ResourceQuota current (upstream's resourcequota
/// controller): `hard` copies the spec, `used` adds up what the namespace's objects count under each
/// limited name (pods, `count/*`, requests and limits of live pods, services, configmaps, secrets,
/// persistentvolumeclaims, ...). Any change to a counted object requeues its namespace's quotas, and
/// every quota is recomputed each `resyncPeriod` as upstream's `--resource-quota-sync-period` does.
public final class ResourceQuotaController: Reconciler, Sendable {
    static let quotasPath = ResourcePath(resource: "resourcequotas")

    let client: KubeClient
    let quotas: Informer
    /// One informer per counted resource, by `(group, resource)`.
    let counted: [(group: String, resource: String, informer: Informer)]
    let queue = WorkQueue<String>()
    let logger: Logger
    let resyncPeriod: Duration
    let now: @Sendable () -> Date

    public init(client: KubeClient, informers: SharedInformers, resyncPeriod: Duration = .seconds(300),
                logger: Logger = Logger(label: "resourcequota-controller"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.logger = logger
        self.resyncPeriod = resyncPeriod
        self.now = now
        quotas = informers.informer(Self.quotasPath)
        counted = QuotaUsage.countedResources.map { r in
            (r.group, r.resource, informers.informer(ResourcePath(group: r.group, resource: r.resource)))
        }
        quotas.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] q, _ in self?.queue.add(q.key) },
            onUpdate: { [weak self] old, new in
                // Its own status writes need no new sync; a changed spec does.
                if !Semantic.equal(old["spec"], new["spec"]) || !Semantic.equal(new[path: ["spec", "hard"]], new[path: ["status", "hard"]]) {
                    self?.queue.add(new.key)
                }
            },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        for c in counted {
            c.informer.addHandler(InformerHandlerFunctions(
                onAdd: { [weak self] o, _ in self?.enqueueQuotas(in: o.namespace) },
                onUpdate: { [weak self] _, o in self?.enqueueQuotas(in: o.namespace) },
                onDelete: { [weak self] d in self?.enqueueQuotas(in: d.object.namespace) }))
        }
    }

    public func run(workers: Int) async {
        let queue = self.queue, quotas = self.quotas, period = resyncPeriod
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await ReconcileLoop(name: "resourcequota", queue: queue, reconciler: self, logger: self.logger)
                    .run(workers: workers, informers: [quotas] + self.counted.map { $0.informer })
            }
            group.addTask {
                // The full resync: usage that changed without an event we count (e.g. a pod's grace
                // period running out) is caught up.
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    if Task.isCancelled { break }
                    for k in quotas.store.listKeys() { queue.add(k) }
                }
            }
        }
    }

    func enqueueQuotas(in namespace: String) {
        guard !namespace.isEmpty else { return }
        for q in (try? quotas.store.byIndex(Indexer.namespaceIndex, namespace)) ?? [] { queue.add(q.key) }
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let quota = quotas.store.get(key) else { return }
        guard let status = Self.status(quota, usage: used(quota)) else { return }
        var next = quota
        next["status"] = status
        try await client.update(Self.quotasPath.inNamespace(quota.namespace), next, subresource: "status")
    }

    /// The namespace's usage under each of the quota's hard names this controller can measure.
    func used(_ quota: JSON) -> [String: Quantity] {
        let hard = Set(QuotaUsage.hard(quota).keys)
        let scopes = quota[path: ["spec", "scopes"]]?.array?.compactMap(\.string) ?? []
        let time = now()
        var used: [String: Quantity] = [:]
        for c in counted {
            let names = QuotaUsage.names(group: c.group, resource: c.resource).intersection(hard)
            guard !names.isEmpty else { continue }
            // Scoped quotas count pods only.
            if !scopes.isEmpty && !(c.group.isEmpty && c.resource == "pods") { continue }
            for n in names where used[n] == nil { used[n] = .zero }
            for o in (try? c.informer.store.byIndex(Indexer.namespaceIndex, quota.namespace)) ?? [] {
                if !scopes.isEmpty && !QuotaUsage.pod(o, matchesScopes: scopes) { continue }
                for (n, q) in QuotaUsage.usage(group: c.group, resource: c.resource, o, now: time) where names.contains(n) {
                    used[n] = used[n]! + q
                }
            }
        }
        return used
    }

    /// The status to write, or nil when the quota already shows it (upstream's `syncResourceQuota`):
    /// usage this controller cannot measure keeps its last value, names no longer limited go.
    static func status(_ quota: JSON, usage: [String: Quantity]) -> JSON? {
        let hard = quota[path: ["spec", "hard"]]?.object ?? [:]
        var used: [String: JSON] = [:]
        for (k, v) in quota[path: ["status", "used"]]?.object ?? [:] where hard[k] != nil { used[k] = v }
        for (k, q) in usage { used[k] = .string(q.description) }
        let status: JSON = ["hard": .object(hard), "used": .object(used)]
        let old = quota["status"] ?? [:]
        func same(_ a: JSON?, _ b: [String: JSON]) -> Bool {
            let lhs = a?.object ?? [:]
            guard lhs.count == b.count else { return false }
            return b.allSatisfy { k, v in
                guard let l = lhs[k] else { return false }
                if let x = try? Quantity(json: l), let y = try? Quantity(json: v) { return x == y }
                return l == v
            }
        }
        if same(old["hard"], hard) && same(old["used"], used) { return nil }
        return status
    }
}
