import APIMachinery
import Client
import Logging

/// The control loop of the Ingress controller: caches Ingresses, IngressClasses, Services, EndpointSlices
/// and Secrets, and after every change (bursts coalesced) rebuilds the routing table and the TLS
/// certificates and swaps them in, so endpoints are followed live; then writes each served Ingress's
/// `status.loadBalancer` with the addresses it is reached at.
public final class IngressController: Sendable {
    /// The `spec.controller` of the IngressClasses this controller serves.
    public static let controllerName = "skiff.io/ingress-controller"

    let client: KubeClient
    let routes: RouteSource
    let certificates: SNICertificates
    let statusAddresses: StatusAddresses
    let logger: Logger
    let ingresses, classes, services, slices, secrets: Informer
    let changes: AsyncStream<Void>
    let changed: AsyncStream<Void>.Continuation

    public init(client: KubeClient, routes: RouteSource, certificates: SNICertificates, statusAddresses: StatusAddresses,
                logger: Logger = Logger(label: "ingress")) {
        self.client = client
        self.routes = routes
        self.certificates = certificates
        self.statusAddresses = statusAddresses
        self.logger = logger
        ingresses = Informer(client: client, resource: .ingresses)
        classes = Informer(client: client, resource: .ingressclasses)
        services = Informer(client: client, resource: .services)
        slices = Informer(client: client, resource: .endpointslices,
                          indexers: ["service": { o in
                              [(o[path: ["metadata", "namespace"]]?.string ?? "") + "/" + (o[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.string ?? "")]
                          }])
        // Only TLS Secrets can hold certificates; the rest stay out of the cache.
        secrets = Informer(client: client, resource: .secrets, fieldSelector: "type=kubernetes.io/tls")
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let poke = InformerHandlerFunctions(
            onAdd: { [changed] _, _ in changed.yield() },
            onUpdate: { [changed] _, _ in changed.yield() },
            onDelete: { [changed] _ in changed.yield() })
        for i in [ingresses, classes, services, slices, secrets] { i.addHandler(poke) }
    }

    var informers: [Informer] { [ingresses, classes, services, slices, secrets] }

    /// True once every cache has listed.
    public func waitForSync() async -> Bool {
        for i in informers where !(await i.waitForSync()) { return false }
        return true
    }

    /// Runs the informers and the rebuild loop until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for i in informers { group.addTask { await i.run() } }
            group.addTask {
                _ = await self.waitForSync()
                for await _ in self.changes {
                    await self.sync()
                }
            }
        }
    }

    /// The Ingresses this controller serves, from the cache.
    func selected() -> [JSON] {
        let selection = IngressClassSelection(ingressClasses: classes.store.list(), controller: Self.controllerName)
        return ingresses.store.list().filter { selection.selects($0) }
    }

    func sync() async {
        let served = selected()
        let builder = RoutingTableBuilder(
            services: { [services] in services.store.get($0) },
            endpointSlices: { [slices] in (try? slices.store.byIndex("service", $0)) ?? [] })
        let result = builder.build(ingresses: served)
        routes.replace(result.table)
        for secret in certificates.update(result.tls, secret: { [secrets] in secrets.store.get($0) }) {
            logger.warning("TLS Secret \(secret) is missing or holds no usable tls.crt/tls.key; its hosts get the default certificate")
        }
        await writeStatus(served)
    }

    /// `status.loadBalancer.ingress` of every served Ingress: the addresses of the controller's own
    /// LoadBalancer Service (or its node address while that has none), as ingress-nginx's `--publish-service`.
    func writeStatus(_ served: [JSON]) async {
        let addresses = statusAddresses.current(services: { [services] in services.store.get($0) })
        // Nothing known to publish: the status is left as it is rather than written empty.
        guard !addresses.isEmpty else { return }
        let desired: JSON = ["ingress": .array(addresses.map { ["ip": .string($0)] })]
        for ing in served where ing[path: ["status", "loadBalancer"]] != desired {
            var next = ing
            next[path: ["status", "loadBalancer"]] = desired
            let path = ResourcePath.ingresses.inNamespace(ing[path: ["metadata", "namespace"]]?.string)
            do {
                _ = try await client.update(path, next, subresource: "status")
            } catch {
                // A conflict means a newer version is on its way to the cache; it triggers another sync.
                logger.debug("status of ingress \(RoutingTableBuilder.key(ing)): \(error)")
            }
        }
    }
}

/// Where the controller is reached from outside: its LoadBalancer Service's external addresses, else the
/// address it listens on.
public struct StatusAddresses: Sendable {
    /// `namespace/name` of the controller's Service (`kube-system/skiff-ingress`).
    public var publishService: String?
    public var fallback: [String]

    public init(publishService: String?, fallback: [String]) {
        self.publishService = publishService
        self.fallback = fallback
    }

    func current(services: (String) -> JSON?) -> [String] {
        if let publishService, let svc = services(publishService) {
            let ips = (svc[path: ["status", "loadBalancer", "ingress"]]?.array ?? []).compactMap { $0["ip"]?.string }
            if !ips.isEmpty { return ips }
        }
        return fallback
    }
}
