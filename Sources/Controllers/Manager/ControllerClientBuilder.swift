import Client
import Logging
import Synchronization

/// The client each controller of the controller manager acts with (upstream's `clientbuilder.ControllerClientBuilder`).
/// Shared informers and the event broadcaster keep the manager's own client either way, as upstream's do.
public protocol ControllerClientBuilder: Sendable {
    /// The client for the controller whose service account is `name` (`replicaset-controller`, …).
    func client(_ name: String) -> KubeClient
    /// Shuts down the clients this builder made (not the root client).
    func shutdown() async
}

/// Every controller acts as the controller manager itself (upstream's `SimpleControllerClientBuilder`, used
/// without `--use-service-account-credentials`): that identity then needs every controller's rights.
public struct RootControllerClientBuilder: ControllerClientBuilder {
    public let root: KubeClient
    public init(root: KubeClient) { self.root = root }
    public func client(_ name: String) -> KubeClient { root }
    public func shutdown() async {}
}

/// `--use-service-account-credentials` (upstream's `DynamicControllerClientBuilder`): each controller acts as
/// the service account `kube-system/<name>`, which the bootstrap policy binds to `system:controller:<name>`,
/// with a bearer token from a TokenRequest the root client makes and renews (`ServiceAccountTokenSource`).
/// The clients carry no client certificate (upstream starts from `AnonymousClientConfig`), so a request
/// is authorized for the controller's account alone, never for the manager's own identity.
public final class ServiceAccountControllerClientBuilder: ControllerClientBuilder {
    public let root: KubeClient
    public let namespace: String
    let expirationSeconds: Int64
    let clock: any MonotonicClock
    let logger: Logger
    private let clients = Mutex<[String: KubeClient]>([:])
    /// The connections every controller's client shares (they differ only in their bearer token).
    private let connections: KubeClient

    public init(root: KubeClient, namespace: String = "kube-system",
                expirationSeconds: Int64 = ServiceAccountTokenSource.defaultExpirationSeconds,
                clock: any MonotonicClock = ContinuousClock(), logger: Logger = Logger(label: "controller-manager")) {
        self.root = root
        self.namespace = namespace
        self.expirationSeconds = expirationSeconds
        self.clock = clock
        self.logger = logger
        var anonymous = root.config
        anonymous.clientCertificatePEM = nil
        anonymous.clientKeyPEM = nil
        anonymous.bearerToken = nil
        anonymous.tokenSource = nil
        connections = KubeClient(anonymous)
    }

    /// One client per name, made on first use.
    public func client(_ name: String) -> KubeClient {
        clients.withLock { all in
            if let c = all[name] { return c }
            var config = root.config
            config.clientCertificatePEM = nil
            config.clientKeyPEM = nil
            config.bearerToken = nil
            // Upstream's AddUserAgent: the manager's agent with the controller's name appended.
            config.userAgent = root.config.userAgent + "/" + name
            config.tokenSource = ServiceAccountTokenSource(
                root: root, namespace: namespace, name: name, expirationSeconds: expirationSeconds, clock: clock, logger: logger)
            let c = KubeClient(config, sharingConnectionsOf: connections)
            all[name] = c
            return c
        }
    }

    public func shutdown() async {
        let all = clients.withLock { all in
            defer { all = [:] }
            return Array(all.values)
        }
        for c in all { await c.shutdown() }
        await connections.shutdown()
    }
}
