import APIMachinery
import ArgumentParser
import Client
import ComponentMetrics
import Foundation
import Logging
import NetworkPolicy
import Proxy

/// `skiff proxy`: kube-proxy for one node, programming an nftables table in the node's network namespace.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy", abstract: "Run the service proxy (nftables) for a node.")

    @Option(help: "Kubeconfig with the API server and the proxy's credentials.") var kubeconfig: String
    @Option(help: "The Node this proxy serves.") var nodeName: String
    @Option(help: "Network namespace to program (ip netns name, e.g. skiff-N); default: the current one.") var netns: String?
    @Option(help: "The cluster's pod range (informational: only hairpin traffic is masqueraded).") var clusterCIDR: String = "10.244.0.0/16"
    @Option(help: "Full resync interval (Go duration).") var syncPeriod: String = "30s"
    @Option(help: "Shortest interval between syncs; changes within it are applied together (Go duration).") var minSyncPeriod: String = "250ms"
    @Option(help: "HOST:PORT serving /metrics and /healthz; empty turns it off.") var metricsBindAddress: String = "127.0.0.1:10249"
    @Flag(help: "Also enforce NetworkPolicies for this node's pods (table ip skiff-policy in --netns), as kindnet does.")
    var enforceNetworkPolicy = false
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        guard let sync = GoDuration.parse(syncPeriod), sync > .zero else { throw ValidationError("--sync-period: not a duration: \(syncPeriod)") }
        guard let minSync = GoDuration.parse(minSyncPeriod) else { throw ValidationError("--min-sync-period: not a duration: \(minSyncPeriod)") }
        if !metricsBindAddress.isEmpty, MetricsServer.parseBindAddress(metricsBindAddress) == nil {
            throw ValidationError("--metrics-bind-address must be HOST:PORT")
        }
        var options = ProxyServerOptions(nodeName: nodeName, netns: netns)
        options.clusterCIDR = clusterCIDR
        options.proxier.syncPeriod = sync
        options.proxier.minSyncPeriod = minSync
        options.metricsBindAddress = metricsBindAddress.isEmpty ? nil : metricsBindAddress
        options.logger = Logger(label: "proxy")
        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "kube-proxy/v1.32.0-skiff (\(nodeName))"))
        let server = ProxyServer(client: client, options: options)
        let policies = enforceNetworkPolicy
            ? PolicyEnforcer(client: client, nodeName: nodeName, executor: NFTCommand(netns: netns), logger: Logger(label: "network-policy"))
            : nil
        try await SignalHandling.runUntilTerminated {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                if let policies { group.addTask { await policies.run() } }
                try await group.next()
                group.cancelAll()
            }
        }
        await client.shutdown()
    }
}
