import ArgumentParser
import Client
import ComponentMetrics
import Controllers
import Foundation
import Logging

/// `skiff controller-manager`: the reconcilers that keep the cluster at its declared state.
struct ControllerManagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controller-manager", abstract: "Run the controller manager.")

    @Option(help: "Kubeconfig with the API server and the controller manager's credentials.") var kubeconfig: String
    @Option(help: "The cluster's pod range (informational, as upstream's --cluster-cidr).") var clusterCIDR: String = "10.244.0.0/16"
    @Option(help: "Run only while holding the kube-system/kube-controller-manager Lease.") var leaderElect = true
    @Option(help: "Seconds without a node heartbeat before the node is marked unknown.") var nodeMonitorGracePeriod = 40
    @Option(help: "The cluster CA (PEM) published to every namespace as the kube-root-ca.crt ConfigMap (default: the kubeconfig's CA).") var rootCAFile: String?
    @Option(help: "CIDR LoadBalancer Services get their addresses from (the cluster's host-routed pool); unset leaves them pending.")
    var loadBalancerPool: String?
    @Option(help: "Directory of the nodes' directories: the built-in local-path provisioner makes volumes in <dir>/<node>/local-path (unset: no provisioner).") var localPathNodesDir: String?
    @Option(help: "Run each controller as its own service account kube-system/<controller> (a requested token) instead of with this command's credentials.")
    var useServiceAccountCredentials = false
    @Option(help: "HOST:PORT serving /metrics (the controllers' workqueue metrics) and /healthz over plain HTTP (upstream: the secure port 10257); empty turns it off.")
    var metricsBindAddress: String = ""
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let metricsAddress = try MetricsBindAddressOption.parse(metricsBindAddress)
        let metrics = WorkQueuePrometheusMetrics()
        let clientConfig = try KubeconfigLoader.load(path: kubeconfig, userAgent: "kube-controller-manager/v1.32.0-skiff")
        let client = KubeClient(clientConfig)
        var options = ControllerManagerOptions()
        if let loadBalancerPool {
            guard let allocator = LoadBalancerIPAllocator(pool: loadBalancerPool) else {
                throw ValidationError("--load-balancer-pool must be an IPv4 CIDR of at least 4 addresses, e.g. 172.31.0.128/25")
            }
            options.loadBalancerPool = allocator
        }
        if let rootCAFile {
            options.rootCA = try String(contentsOfFile: rootCAFile, encoding: .utf8)
        } else if let ca = clientConfig.caPEM {
            options.rootCA = String(decoding: ca, as: UTF8.self)
        }
        options.leaderElect = leaderElect
        options.useServiceAccountCredentials = useServiceAccountCredentials
        options.localPathNodesDirectory = localPathNodesDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.nodeMonitorGracePeriod = .seconds(nodeMonitorGracePeriod)
        options.workQueueMetrics = metrics
        options.logger = Logger(label: "controller-manager")
        options.logger.info("controller manager starting (identity \(options.identity))")
        let opts = options
        do {
            try await SignalHandling.runUntilTerminated {
                try await MetricsBindAddressOption.serving(metricsAddress, logger: opts.logger, render: { metrics.render() }) {
                    try await runControllerManager(client: client, options: opts)
                }
            }
        } catch {
            // Lost leadership ends the process with an error (for the supervisor to start a fresh copy),
            // but the HTTP client must be shut down first: one dropped live traps in its deinit.
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
