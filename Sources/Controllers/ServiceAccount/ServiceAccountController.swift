import APIMachinery
import Client
import Logging

/// Makes sure every active namespace has the `default` ServiceAccount (upstream's serviceaccounts
/// controller), re-creating it when it is deleted. Pods that name no service account run as it.
public final class ServiceAccountController: Reconciler, Sendable {
    /// The accounts every namespace gets.
    public let accountNames: [String]
    let client: KubeClient
    let namespaces: Informer
    let accounts: Informer
    let queue = WorkQueue<String>()
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, accountNames: [String] = ["default"],
                logger: Logger = Logger(label: "serviceaccount-controller")) {
        self.client = client
        self.accountNames = accountNames
        self.logger = logger
        namespaces = informers.informer(.namespaces)
        accounts = informers.informer(.serviceaccounts)
        namespaces.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] ns, _ in self?.queue.add(ns.name) },
            onUpdate: { [weak self] _, ns in self?.queue.add(ns.name) }))
        let names = Set(accountNames)
        accounts.addHandler(InformerHandlerFunctions(onDelete: { [weak self] d in
            let sa = d.object
            if names.contains(sa.name) { self?.queue.add(sa.namespace) }
        }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "serviceaccount", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [namespaces, accounts])
    }

    public func reconcile(_ namespace: String) async throws {
        guard let ns = namespaces.store.get(namespace) else { return }
        // A terminating namespace accepts no new objects.
        if ns.isBeingDeleted || ns[path: ["status", "phase"]]?.string == "Terminating" { return }
        for name in accountNames where accounts.store.get(namespace: namespace, name: name) == nil {
            let sa: JSON = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": .string(name), "namespace": .string(namespace)]]
            do {
                try await client.create(.serviceaccounts.inNamespace(namespace), sa)
            } catch let e as APIError where e.code == 409 || (e.code == 403 && e.message.contains("being terminated")) {
                // Already there (the cache lags), or the namespace started terminating meanwhile.
            }
        }
    }
}
