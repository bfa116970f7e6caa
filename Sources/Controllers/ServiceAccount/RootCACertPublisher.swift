import APIMachinery
import Client
import Logging

/// Keeps the `kube-root-ca.crt` ConfigMap (key `ca.crt`: the cluster CA's PEM) in every namespace, so the
/// `kube-api-access-…` volume admission adds to pods can verify the API server (upstream's
/// root-ca-cert-publisher). Recreated when deleted, rewritten when edited.
public final class RootCACertPublisher: Reconciler, Sendable {
    public static let configMapName = "kube-root-ca.crt"
    static let descriptionAnnotation = "kubernetes.io/description"
    static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."

    let rootCA: String
    let client: KubeClient
    let namespaces: Informer
    let configMaps: Informer
    let queue = WorkQueue<String>()
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, rootCA: String, logger: Logger = Logger(label: "root-ca-cert-publisher")) {
        self.client = client
        self.rootCA = rootCA
        self.logger = logger
        namespaces = informers.informer(.namespaces)
        configMaps = informers.informer(.configmaps)
        namespaces.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] ns, _ in self?.queue.add(ns.name) },
            onUpdate: { [weak self] _, ns in self?.queue.add(ns.name) }))
        let name = Self.configMapName
        configMaps.addHandler(InformerHandlerFunctions(
            onUpdate: { [weak self] _, cm in if cm.name == name { self?.queue.add(cm.namespace) } },
            onDelete: { [weak self] d in if d.object.name == name { self?.queue.add(d.object.namespace) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "root-ca-cert-publisher", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [namespaces, configMaps])
    }

    public func reconcile(_ namespace: String) async throws {
        guard let ns = namespaces.store.get(namespace) else { return }
        if ns.isBeingDeleted || ns[path: ["status", "phase"]]?.string == "Terminating" { return }
        let data: JSON = ["ca.crt": .string(rootCA)]
        let path = ResourcePath.configmaps.inNamespace(namespace)
        guard var cm = configMaps.store.get(namespace: namespace, name: Self.configMapName) else {
            let fresh: JSON = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": .string(Self.configMapName), "annotations": [Self.descriptionAnnotation: .string(Self.description)]],
                "data": data,
            ]
            do {
                try await client.create(path, fresh)
            } catch let e as APIError where e.code == 409 || e.code == 404 || (e.code == 403 && e.message.contains("being terminated")) {
                // Already there (the cache lags), or the namespace is going away.
            }
            return
        }
        let described = !(cm[path: ["metadata", "annotations", Self.descriptionAnnotation]]?.string ?? "").isEmpty
        if cm["data"] == data && described { return }
        cm["data"] = data
        cm[path: ["metadata", "annotations", Self.descriptionAnnotation]] = .string(Self.description)
        try await client.update(path, cm)
    }
}
