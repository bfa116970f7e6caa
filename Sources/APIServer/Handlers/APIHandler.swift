import APIMachinery
import Foundation
import Logging
import Registry
import Storage

/// The whole HTTP API as a function from request to response: routing to discovery, OpenAPI, health and
/// the resource handlers. The HTTP framework only adapts bytes to `APIRequest` and back.
public final class APIHandler: Sendable {
    let config: APIServerConfig
    let kv: any KeyValueStore
    let logger: Logger
    let stores: [String: ResourceStore]
    /// Every served group-version-resource's store (several versions may share one storage).
    let versionedStores: [String: ResourceStore]
    let strategies: [String: any ResourceStrategy]
    let serviceIPs: IPAllocator
    let nodePorts: PortAllocator
    /// Discovery of the built-in resources and whatever CRDs serve now.
    var discovery: Discovery { customResources.discovery }
    let customResources: CustomResourceRegistry
    let crdController: CustomResourceDefinitionController
    let namespaceCleanup = NamespaceCleaner()
    let watchCache = WatchEventCache()
    let kubeletConnector: KubeletConnector
    /// Signs `serviceaccounts/token` requests; nil when the server has no signing key.
    let serviceAccountTokens: ServiceAccountTokenIssuer?
    /// `/metrics`: every request counted as upstream counts it.
    let metrics = APIServerMetrics()
    /// `/healthz`, `/livez`, `/readyz` and their single checks.
    let health: HealthChecks
    /// The RBAC objects as the authorizer sees them, reloaded after every RBAC write.
    let rbacPolicy: RBACPolicyCache
    /// `--authorization-mode` (Node, RBAC); nil for AlwaysAllow.
    let authorizer: (any Authorizer)?
    /// The kubelets' last scrapes, behind `metrics.k8s.io` (see docs/metrics.md).
    let resourceMetrics = MetricsStorage()
    /// The Mutating- and ValidatingWebhookConfigurations, reloaded after every write to them.
    let admissionWebhooks: ReloadingSnapshot<AdmissionWebhookSet>
    let webhookDispatcher: WebhookDispatcher

    public init(config: APIServerConfig, store backing: any KeyValueStore, logger: Logger) throws {
        self.config = config
        // Everything the handler stores and reads goes through the encryption layer, when configured.
        let store = try Self.encrypting(backing, config: config)
        self.kv = store
        self.logger = logger
        var s: [String: ResourceStore] = [:]
        var st: [String: any ResourceStrategy] = [:]
        var byVersion: [String: ResourceStore] = [:]
        for info in Catalog.resources {
            let k = Self.key(info.group, info.resource)
            // The first (preferred) version is the one internal callers get.
            if s[k] == nil {
                s[k] = ResourceStore(info: info, kv: store)
                st[k] = Adapters.strategy(for: info)
            }
            byVersion[Self.key(info.group, info.version, info.resource)] = ResourceStore(info: info, kv: store)
        }
        stores = s
        versionedStores = byVersion
        strategies = st
        serviceIPs = try IPAllocator(cidr: config.serviceCIDR)
        nodePorts = PortAllocator(range: config.nodePortRange)
        let registry = CustomResourceRegistry()
        customResources = registry
        crdController = CustomResourceDefinitionController(registry: registry)
        kubeletConnector = try KubeletConnector(config: config)
        serviceAccountTokens = try ServiceAccountTokenIssuer(config: config)
        health = HealthChecks(storeReachable: {
            await HealthChecks.answers(within: HealthChecks.storeCheckTimeout) { _ = try await store.currentRevision() }
        })
        let allStores = s
        let policy = RBACPolicyCache(load: { await Self.loadRBACPolicy(stores: allStores) })
        rbacPolicy = policy
        admissionWebhooks = ReloadingSnapshot(load: {
            await AdmissionWebhookSet.load(mutating: allStores[Self.key("admissionregistration.k8s.io", "mutatingwebhookconfigurations")],
                                           validating: allStores[Self.key("admissionregistration.k8s.io", "validatingwebhookconfigurations")])
        })
        webhookDispatcher = WebhookDispatcher(transport: DialingWebhookTransport(
            resolveService: Self.webhookServiceResolver(services: s[Self.key("", "services")], endpoints: s[Self.key("", "endpoints")]),
            serviceNetworkNamespace: config.webhookNetworkNamespace))
        authorizer = Self.makeAuthorizer(modes: config.authorizationModes, policy: policy, graph: Self.nodeGraph(stores: allStores))
    }

    /// `store` behind `--encryption-provider-config`'s transformers, or as it is without one.
    static func encrypting(_ store: any KeyValueStore, config: APIServerConfig) throws(EncryptionConfigurationError) -> any KeyValueStore {
        guard let path = config.encryptionProviderConfig else { return store }
        let transformers = try ResourceTransformers(EncryptionConfiguration.load(path: path))
        return EncryptedKeyValueStore(inner: store, transformers: transformers)
    }

    static func key(_ group: String, _ resource: String) -> String { "\(group)/\(resource)" }
    static func key(_ group: String, _ version: String, _ resource: String) -> String { "\(group)/\(version)/\(resource)" }

    func store(_ group: String, _ resource: String) -> ResourceStore? { stores[Self.key(group, resource)] }
    func strategy(_ info: ResourceInfo) -> any ResourceStrategy {
        strategies[Self.key(info.group, info.resource)] ?? GenericStrategy(info: info)
    }

    var namespaces: ResourceStore { stores[Self.key("", "namespaces")]! }

    /// A stored object, or nil when absent or unreadable (authentication's view of the store).
    func storedObject(_ group: String, _ resource: String, namespace: String?, name: String) async -> JSON? {
        guard !name.isEmpty, let store = store(group, resource) else { return nil }
        return try? await store.getIfExists(namespace: namespace, name: name)
    }

    /// Answers one request. Never throws: every failure becomes a `Status`.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let start = ContinuousClock.now
        let response: APIResponse
        var request = request
        do {
            try await authorizeRequest(&request)
            try await admitNodeRequest(request)
            response = try await route(request)
        } catch let e as APIError {
            response = .error(e)
        } catch let e as FieldError {
            response = .error(.badRequest(e.message))
        } catch {
            logger.error("internal error serving \(request.method) \(request.path): \(error)")
            response = .error(.internalError("\(error)"))
        }
        if request.method != "GET", response.status < 300, request.path.hasPrefix("/apis/rbac.authorization.k8s.io/") {
            rbacPolicy.invalidate()
        }
        if request.method != "GET", response.status < 300, request.path.hasPrefix("/apis/admissionregistration.k8s.io/") {
            admissionWebhooks.invalidate()
        }
        let elapsed = ContinuousClock.now - start
        var longRunning = false
        if case .stream = response.body { longRunning = true }
        metrics.observe(request, status: response.status,
                        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                        longRunning: longRunning)
        return response
    }

    /// `/metrics`, with the stored objects counted now (upstream counts them once a minute).
    func metricsText() async -> String {
        var counts: [String: Int] = [:]
        for store in stores.values {
            guard let n = try? await kv.range(prefix: store.resourcePrefix, startKey: nil, revision: nil, limit: 1).count else { continue }
            let name = store.info.group.isEmpty ? store.info.resource : "\(store.info.resource).\(store.info.group)"
            counts[name] = n
        }
        return metrics.render(storedObjects: counts)
    }

    private func route(_ request: APIRequest) async throws -> APIResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        switch path {
        case "/metrics":
            return APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: .data(Data(await metricsText().utf8)))
        case "/version":
            return .json(Self.version)
        case "/api", "/apis":
            return discovery.root(path, accept: request.header("accept"), ifNoneMatch: request.header("if-none-match"))
        case "/openapi/v2":
            return OpenAPIV2Endpoint.serve(accept: request.header("accept"), ifNoneMatch: request.header("if-none-match"),
                                           document: customResources.openAPIV2() ?? .shared)
        default:
            break
        }
        if let answer = await health.answer(path: path, query: request.query) {
            return answer
        }
        if path == SelfSubjectReview.path {
            return try SelfSubjectReview.answer(request)
        }
        if path == "/openapi/v3" || path.hasPrefix("/openapi/v3/") {
            return try OpenAPIEndpoint.serve(path: path, custom: customResources.openAPIV3())
        }
        if let resp = discovery.groupVersion(path, accept: request.header("accept")) {
            return resp
        }
        guard let info = RequestInfo(path: path) else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if info.group == MetricsAPI.group {
            return try await serveMetrics(request, info)
        }
        return try await serveResource(request, info)
    }

    static let version: JSON = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-skiff", "gitCommit": "skiff",
        "gitTreeState": "clean", "buildDate": "2026-11-25T00:00:00Z", "goVersion": "swift6.3",
        "compiler": "swiftc", "platform": "linux/amd64",
    ]
}
