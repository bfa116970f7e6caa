import APIMachinery
import ArgumentParser
import Client
import Foundation
import Kubelet
import Logging
import Synchronization

/// `skiff kubelet`: the node agent.
struct KubeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubelet", abstract: "Run a node agent.")

    @Option(help: "Kubeconfig with the API server and this node's credentials.") var kubeconfig: String
    @Option(help: "The Node's name.") var nodeName: String
    @Option(help: "This node's pod IP range.") var podCIDR: String = "10.244.0.0/24"
    @Option(help: "The node's address as reported in its status.") var nodeIP: String = "127.0.0.1"
    @Option(help: "Container runtime: simulated or containerd.") var runtime: String = "simulated"
    @Option(help: "Directory for this node's state.") var rootDir: String = "/var/lib/skiff/kubelet"
    @Option(help: "Extra node labels, as key=value,key2=value2.") var nodeLabels: String = ""
    @Option(help: "Taints to register with, as key=value:Effect,...") var registerWithTaints: String = ""
    @Option(help: "JSON file listing static pods to show as mirror pods.") var staticPods: String?
    @Option(help: "The CRI runtime's socket (with --runtime containerd).") var containerRuntimeEndpoint = "unix:///run/containerd/containerd.sock"
    @Option(help: "cgroupfs parent of this node's pod cgroups.") var cgroupRoot = "/skiff"
    @Option(help: "The node's network namespace (a /run/netns path), where pod addresses are reachable.") var netns: String?
    @Option(help: "Cluster DNS server addresses for ClusterFirst pods, comma separated.") var clusterDNS = "10.96.0.10"
    @Option(help: "The cluster's DNS domain.") var clusterDomain = "cluster.local"
    @Option(help: "Address of the kubelet's HTTPS endpoint (logs, exec, attach, port-forward).") var address: String = "127.0.0.1"
    @Option(help: "Port of the kubelet's HTTPS endpoint; 0 picks a free one.") var port: Int = 10250
    @Option(help: "Serving certificate (PEM) of the kubelet's endpoint; without it the endpoint is plain HTTP.") var tlsCertFile: String?
    @Option(help: "Serving key (PEM).") var tlsPrivateKeyFile: String?
    @Option(help: "CA bundle that must sign the certificates of clients (the API server's kubelet client certificate).") var clientCAFile: String?
    @OptionGroup var simulated: SimulatedUsageOptions
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "kubelet")
        try FileManager.default.createDirectory(atPath: rootDir, withIntermediateDirectories: true)
        var labels: [String: String] = [:]
        for pair in nodeLabels.split(separator: ",") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            labels[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
        }
        var taints: [JSON] = []
        for t in registerWithTaints.split(separator: ",") where !t.isEmpty {
            let (kv, effect) = t.contains(":") ? (String(t.split(separator: ":")[0]), String(t.split(separator: ":")[1])) : (String(t), "NoSchedule")
            let parts = kv.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            var taint: JSON = ["key": .string(String(parts[0])), "effect": .string(effect)]
            if parts.count > 1, !parts[1].isEmpty { taint["value"] = .string(String(parts[1])) }
            taints.append(taint)
        }
        let rt: any ContainerRuntime
        switch runtime {
        case "simulated":
            rt = SimulatedRuntime(usage: try simulated.usage())
        case "containerd":
            rt = try await ContainerdRuntime(endpoint: containerRuntimeEndpoint, kubeletRoot: URL(fileURLWithPath: rootDir),
                                             cgroupRoot: cgroupRoot, networkNamespace: netns, logger: logger)
        default: throw ValidationError("--runtime must be simulated or containerd, not \(runtime)")
        }
        var node0 = NodeConfig(name: nodeName, podCIDR: podCIDR, internalIP: nodeIP, labels: labels, taints: taints,
                               runtimeVersion: rt.version)
        node0.nodeFilesystem = rootDir
        let baseNode = node0
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-private-key-file go together")
        }
        var serverConfig = KubeletServerConfig(logPaths: PodLogPaths(kubeletRoot: URL(fileURLWithPath: rootDir)))
        serverConfig.address = address
        serverConfig.port = port
        serverConfig.tlsCertFile = tlsCertFile
        serverConfig.tlsKeyFile = tlsPrivateKeyFile
        serverConfig.clientCAFile = clientCAFile
        serverConfig.staticPodsFile = staticPods.map { URL(fileURLWithPath: $0) }
        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "kubelet/v1.32.0-skiff (\(nodeName))"))
        let log = logger
        let runtime = rt
        let nodeNameCopy = nodeName, podCIDRCopy = podCIDR, staticPodsCopy = staticPods, rootDirCopy = rootDir
        let clusterDNSCopy = clusterDNS.split(separator: ",").map(String.init), clusterDomainCopy = clusterDomain
        let endpointConfig = serverConfig
        try await SignalHandling.runUntilTerminated {
            // The endpoint comes first: the Node reports the port it is bound to.
            let pods = DeferredPodSource()
            let stats = (runtime as? any ResourceUsageSource).map { source in
                NodeStatsCollector(nodeName: nodeNameCopy, pods: { pods.allPods() }, source: source,
                                   memoryCapacityBytes: NodeFacts.current().memoryBytes)
            }
            let metrics = KubeletMetrics(nodeName: nodeNameCopy, runtime: runtime)
            let server = KubeletServer(config: endpointConfig, pods: pods, runtime: runtime as? any StreamingRuntime, stats: stats,
                                       metrics: metrics, logger: log)
            let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run(onListening: { boundContinuation.yield($0) }) }
                var ports = bound.makeAsyncIterator()
                guard let port = await ports.next() else { return }
                var node = baseNode
                node.kubeletPort = port
                var options = KubeletOptions(node: node, staticPods: staticPodsCopy.map { URL(fileURLWithPath: $0) })
                // Pods sync in parallel (upstream: a goroutine per pod); a real runtime's calls mostly wait.
                options.workers = runtime.needsPolling ? 16 : 4
                options.rootDir = URL(fileURLWithPath: rootDirCopy)
                options.clusterDNS = clusterDNSCopy
                options.clusterDomain = clusterDomainCopy
                options.metrics = metrics
                let kubelet = try Kubelet(client: client, options: options, runtime: runtime, logger: log)
                pods.source.withLock { $0 = kubelet }
                log.info("kubelet starting on node \(nodeNameCopy) (runtime \(runtime.version), pod CIDR \(podCIDRCopy), endpoint \(endpointConfig.isSecure ? "https" : "http")://\(endpointConfig.address):\(port))")
                group.addTask { try await kubelet.run() }
                try await group.next()
                group.cancelAll()
            }
        }
        await client.shutdown()
    }
}
