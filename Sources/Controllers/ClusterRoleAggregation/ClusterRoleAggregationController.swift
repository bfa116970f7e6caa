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
            for r in self.roles.store.list() where ClusterRoleAggregation.selectors(of: r) != nil { self.queue.add(r.name) }
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

    public func reconcile(_ name: String) async throws {
        guard let role = roles.store.get(name),
              let wanted = ClusterRoleAggregation.rules(of: role, from: roles.store.list()),
              !ClusterRoleAggregation.hasRules(role, wanted)
        else { return }
        var next = role
        next["rules"] = .array(wanted)
        do {
            _ = try await client.update(Self.clusterRoles, next)
        } catch let e as APIError where e.code == 409 {
            queue.add(name)
        }
    }
}
