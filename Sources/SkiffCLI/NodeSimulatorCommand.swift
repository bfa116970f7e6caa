import APIMachinery
import ArgumentParser
import Client
import Cluster
import Foundation
import Kubelet
import Logging

/// `skiff node-simulator`: every simulated node of a cluster in one process (kwok's model). The supervisor
/// runs it when the cluster's spec lists simulated nodes; SIGHUP makes it read the spec again, which is how
/// `skiff add node`, `skiff delete node` and `skiff pause node` reach it.
struct NodeSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node-simulator", abstract: "Run a cluster's simulated nodes (internal).",
                                                    shouldDisplay: false)

    @Option(help: "Kubeconfig with the API server and the simulator's credentials.") var kubeconfig: String
    @Option(help: "The cluster's cluster.json, listing the nodes to simulate.") var clusterSpec: String
    @Option(help: "Address of the nodes' kubelet endpoints.") var address = "127.0.0.1"
    @Option(help: "Serving certificate (PEM) of the endpoints; without it they are plain HTTP.") var tlsCertFile: String?
    @Option(help: "Serving key (PEM).") var tlsPrivateKeyFile: String?
    @Option(help: "CA bundle that must sign the certificates of the endpoints' clients.") var clientCAFile: String?
    @OptionGroup var simulated: SimulatedUsageOptions
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "node-simulator")
        let usage = try simulated.usage()
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-private-key-file go together")
        }
        let specURL = URL(fileURLWithPath: clusterSpec)
        let paths = ClusterPaths(spec: specURL)
        let spec = try ClusterSpec.load(from: specURL)
        // One listening socket per node, plus the connections to them.
        ResourceLimits.raiseOpenFiles()

        var endpoint = KubeletServerConfig(logPaths: PodLogPaths(kubeletRoot: paths.nodes))
        endpoint.address = address
        endpoint.tlsCertFile = tlsCertFile
        endpoint.tlsKeyFile = tlsPrivateKeyFile
        endpoint.clientCAFile = clientCAFile
        var settings = NodeSimulator.Settings(endpoint: endpoint)
        settings.usage = usage
        var clientConfig = try KubeconfigLoader.load(path: kubeconfig, userAgent: "kubelet/v1.32.0-skiff (node-simulator)")
        // Half of the API server's write budget on this machine (8 per core): the other components keep room.
        clientConfig.maxConcurrentRequests = 4 * max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let client = KubeClient(clientConfig)
        let simulator = try NodeSimulator(client: client, settings: settings, expectedNodes: spec.simulatedNodes.count, logger: logger)

        let (desired, continuation) = AsyncStream.makeStream(of: [SimulatedNode].self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield(spec.simulatedNodeSet(paths: paths))
        logger.info("simulating \(spec.simulatedNodes.count) node(s) of cluster \(spec.name)")
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            do {
                let spec = try ClusterSpec.load(from: specURL)
                logger.info("SIGHUP: the spec lists \(spec.simulatedNodes.count) simulated node(s)")
                continuation.yield(spec.simulatedNodeSet(paths: paths))
            } catch {
                logger.error("SIGHUP: cannot read \(specURL.path): \(error)")
            }
        }
        reload.resume()
        defer { reload.cancel() }
        try await SignalHandling.runUntilTerminated {
            await simulator.run(desired)
        }
        // The connections close with the process: a graceful HTTP client shutdown would wait for requests
        // the stopped nodes left in flight.
        logger.info("stopped simulating")
    }
}
