import ArgumentParser
import Client
import ComponentMetrics
import DNS
import Foundation
import Logging

/// `skiff dns`: the cluster DNS server (CoreDNS's kubernetes plugin), a process in the root namespace whose
/// sockets may live in a node's network namespace so that pods can reach it.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns", abstract: "Run the cluster DNS server.")

    @Option(help: "Kubeconfig with the API server and credentials to watch Services, EndpointSlices, Pods and Namespaces.")
    var kubeconfig: String
    @Option(help: "The cluster domain.") var clusterDomain = "cluster.local"
    @Option(help: "Address and port to serve UDP and TCP on (IP:port or [IPv6]:port).") var listen = "127.0.0.1:53"
    @Option(help: "Network namespace (e.g. /run/netns/skiff-C-control-plane) to create the listening sockets in; the process stays where it is.")
    var netns: String?
    @Option(help: "Keep kube-system/kube-dns's endpoints (EndpointSlice kube-dns-skiff and Endpoints kube-dns) pointing at this address.")
    var publishEndpoint: String?
    @Option(help: "Pod records: disabled, insecure or verified.") var pods = "insecure"
    @Option(help: "Answer for names outside the cluster domain (there is no upstream): servfail, refused or nxdomain.") var outOfZone = "servfail"
    @Option(help: "TTL of answers, in seconds.") var ttl: UInt32 = 5
    @Option(help: "HOST:PORT serving /metrics (CoreDNS's prometheus plugin names) and /healthz over plain HTTP (CoreDNS: :9153); empty turns it off.")
    var metricsBindAddress = ""
    @Option(help: "Log level.") var logLevel = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "dns")
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be IP:port, got \(listen)") }
        let metricsAddress = try MetricsBindAddressOption.parse(metricsBindAddress)
        let metrics = DNSMetrics()
        guard let podMode = ResolverConfig.PodMode(rawValue: pods) else { throw ValidationError("--pods must be disabled, insecure or verified") }
        guard let outOfZone = ResolverConfig.OutOfZone(rawValue: outOfZone) else { throw ValidationError("--out-of-zone must be servfail, refused or nxdomain") }
        let published = try publishEndpoint.map { text -> IPAddress in
            guard let ip = IPAddress(text) else { throw ValidationError("--publish-endpoint must be an IP address") }
            return ip
        }
        var config = ResolverConfig(zone: try DNSName(clusterDomain))
        config.podMode = podMode
        config.outOfZone = outOfZone
        config.ttl = max(ttl, 5)
        config.nameserverAddresses = published.map { [$0] } ?? [address.ip]

        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "skiff-dns/v1.32.0-skiff"))
        let state = ClusterState()
        let watcher = ClusterWatcher(client: client, state: state, watchPods: true, logger: logger)
        let resolver = ClusterResolver(config: config, state: state)
        try await SignalHandling.runUntilTerminated {
            try await MetricsBindAddressOption.serving(metricsAddress, logger: logger, render: { metrics.render() }) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await watcher.run() }
                    // As CoreDNS: wait for the caches a little, then serve regardless.
                    _ = await withTaskGroup(of: Bool.self) { g in
                        g.addTask { await watcher.waitForSync() }
                        g.addTask { try? await Task.sleep(for: .seconds(5)); return false }
                        let first = await g.next() ?? false
                        g.cancelAll()
                        if !first { logger.warning("serving before the Kubernetes caches synced") }
                        return first
                    }
                    let server = try await DNSServer.start(resolver: resolver, listen: address, netnsPath: netns, metrics: metrics)
                    logger.info("serving \(clusterDomain) on \(server.address) (udp, tcp)\(netns.map { " in \($0)" } ?? "")")
                    if let published {
                        let publisher = EndpointPublisher(client: client, address: published, port: server.port, logger: logger)
                        group.addTask { await publisher.run() }
                    }
                    group.addTask {
                        // Serve until cancelled.
                        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                        await server.shutdown()
                    }
                    try await group.waitForAll()
                }
            }
        }
        await client.shutdown()
    }
}
