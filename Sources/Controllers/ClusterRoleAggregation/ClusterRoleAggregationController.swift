import APIMachinery
import Client
import Logging

/// Upstream's clusterrole-aggregation controller: a ClusterRole with an `aggregationRule` gets as its
/// rules the rules of every ClusterRole its selectors match (by name order, each rule once), so that
/// `admin`, `edit` and `view` grow with the roles labelled `aggregate-to-*` (CRD installers add theirs).
public final class ClusterRoleAggregationController: Reconciler, Sendable {
    static let clusterRoles = ResourcePath(group: "rbac.authorization.k8s.io", resource: "clusterroles")

    let client: KubeClient
    let roles: Informer
    let queue = WorkQueue<String>()
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, logger: Logger = Logger(label: "clusterrole-aggregation-controller")) {
        self.client = client
        self.logger = logger
        roles = informers.informer(Self.clusterRoles)
        // Any change of any role may change what an aggregated role gathers: recheck them all.
        let enqueueAggregated: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            for r in self.roles.store.list() where Self.selectors(of: r) != nil { self.queue.add(r.name) }
        }
        roles.addHandler(InformerHandlerFunctions(
            onAdd: { _, _ in enqueueAggregated() },
            onUpdate: { _, _ in enqueueAggregated() },
            onDelete: { _ in enqueueAggregated() }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "clusterrole-aggregation", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [roles])
    }

    /// The aggregation rule's selectors, nil for a role without one.
    static func selectors(of role: JSON) -> [LabelSelector]? {
        guard let list = role[path: ["aggregationRule", "clusterRoleSelectors"]]?.array else { return nil }
        return list.compactMap { try? LabelSelector(labelSelector: $0) }
    }

    /// The rules `role` should have, gathered from `all` roles.
    static func aggregatedRules(of role: JSON, from all: [JSON]) -> [JSON] {
        guard let selectors = selectors(of: role) else { return role["rules"]?.array ?? [] }
        var rules: [JSON] = []
        for other in all.sorted(by: { $0.name < $1.name }) where other.name != role.name {
            let labels = other.labels
            guard selectors.contains(where: { $0.matches(labels) }) else { continue }
            for rule in other["rules"]?.array ?? [] where !rules.contains(where: { Semantic.equal($0, rule) }) {
                rules.append(rule)
            }
        }
        return rules
    }

    public func reconcile(_ name: String) async throws {
        guard let role = roles.store.get(name), Self.selectors(of: role) != nil else { return }
        let wanted = Self.aggregatedRules(of: role, from: roles.store.list())
        let current = role["rules"]?.array ?? []
        if current.count == wanted.count, zip(current, wanted).allSatisfy({ Semantic.equal($0, $1) }) { return }
        var next = role
        next["rules"] = .array(wanted)
        do {
            _ = try await client.update(Self.clusterRoles, next)
        } catch let e as APIError where e.code == 409 {
            queue.add(name)
        }
    }
}
