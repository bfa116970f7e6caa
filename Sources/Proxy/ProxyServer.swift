import APIMachinery
import Client
import ComponentMetrics
import Foundation
import Logging

/// Everything `skiff proxy` is told.
public struct ProxyServerOptions: Sendable {
    /// The node whose namespace is programmed (every Service is programmed on every node; this node's own
    /// endpoints matter for `externalTrafficPolicy: Local`).
    public var nodeName: String
    /// The node's network namespace (`skiff-N`); nil programs the current one.
    public var netns: String?
    /// The pod range: pods reaching a Local-policy service's external address may use any endpoint.
    public var clusterCIDR = "10.244.0.0/16"
    public var proxier = ProxierOptions()
    /// `HOST:PORT` for `/metrics` and `/healthz`; nil turns them off.
    public var metricsBindAddress: String? = "127.0.0.1:10249"
    public var logger = Logger(label: "proxy")

    public init(nodeName: String, netns: String? = nil) {
        self.nodeName = nodeName
        self.netns = netns
    }
}

/// kube-proxy: watches Services and EndpointSlices and keeps the node's nftables table in step, serving
/// metrics alongside. Runs until cancelled; on the way out it leaves the table in place (as upstream does,
/// so a restart does not drop traffic).
public struct ProxyServer: Sendable {
    /// The selector upstream applies to both watches: services another proxy implementation claims and
    /// headless services are not ours.
    public static let labelSelector = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless"

    public let client: KubeClient
    public let options: ProxyServerOptions
    public let proxier: Proxier

    /// - Parameter executor: where scripts go; default the real `nft` in `options.netns`.
    public init(
        client: KubeClient, options: ProxyServerOptions, executor: (any NFTablesExecutor)? = nil, metrics: ProxyMetrics = ProxyMetrics()
    ) {
        self.client = client
        self.options = options
        var proxierOptions = options.proxier
        proxierOptions.nodeName = proxierOptions.nodeName ?? options.nodeName
        proxierOptions.clusterCIDR = proxierOptions.clusterCIDR ?? options.clusterCIDR
        proxier = Proxier(
            options: proxierOptions, executor: executor ?? NFTCommand(netns: options.netns),
            conntrack: executor == nil ? ConntrackCommand(netns: options.netns) : nil,
            announcer: executor == nil ? InterfaceAddressAnnouncer(netns: options.netns) : nil, metrics: metrics, logger: options.logger)
    }

    public func run() async throws {
        let logger = options.logger
        let state = proxier.state
        let services = Informer(client: client, resource: .services, labelSelector: Self.labelSelector, logger: logger)
        let slices = Informer(client: client, resource: .endpointslices, labelSelector: Self.labelSelector, logger: logger)
        services.addHandler(InformerHandlerFunctions(
            onAdd: { o, _ in state.updateService(o) },
            onUpdate: { _, o in state.updateService(o) },
            onDelete: { d in if let k = d.key { state.deleteService(key: k) } }))
        slices.addHandler(InformerHandlerFunctions(
            onAdd: { o, initial in state.updateEndpointSlice(o, timed: !initial) },
            onUpdate: { _, o in state.updateEndpointSlice(o) },
            onDelete: { d in if let k = d.key { state.deleteEndpointSlice(key: k) } }))
        logger.info("proxy for node \(options.nodeName) programming table \(options.proxier.layout.qualified) in \(options.netns.map { "network namespace \($0)" } ?? "the current network namespace")")
        let proxier = self.proxier
        let syncPeriod = options.proxier.syncPeriod
        // Upstream's kube-proxy announces itself on its Node: `Starting`, from kube-proxy, no message.
        let events = EventBroadcaster(client: client, logger: logger)
        events.recorder(component: "kube-proxy", host: options.nodeName).event(
            regarding: ["kind": "Node", "name": .string(options.nodeName), "uid": .string(options.nodeName)], .normal, "Starting", "")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await events.run() }
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            group.addTask {
                // Handlers see the initial lists before waitForSync returns, so the first sync is complete.
                // (Every task here runs until cancelled: the first to end ends the proxy.)
                guard await services.waitForSync() else { return }
                state.markServicesSynced()
                guard await slices.waitForSync() else { return }
                state.markEndpointSlicesSynced()
                await proxier.run()
            }
            if let bind = options.metricsBindAddress, let (host, port) = MetricsServer.parseBindAddress(bind) {
                let metrics = proxier.metrics
                let server = MetricsServer(host: host, port: port, logger: logger, render: { metrics.render() }) {
                    Self.healthProblem(proxier, syncPeriod: syncPeriod)
                }
                group.addTask { try await server.run() }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Unhealthy before the first successful sync, after a failed one, or when no sync succeeded for two
    /// sync periods (the loop is stuck).
    static func healthProblem(_ proxier: Proxier, syncPeriod: Duration) -> String? {
        guard proxier.isHealthy, let last = proxier.lastSuccessfulSync else { return "no successful sync yet or the last one failed" }
        let limit = 2 * (Double(syncPeriod.components.seconds) + Double(syncPeriod.components.attoseconds) / 1e18) + 5
        let age = Date().timeIntervalSince(last)
        return age > limit ? String(format: "last successful sync %.0f s ago", age) : nil
    }
}
