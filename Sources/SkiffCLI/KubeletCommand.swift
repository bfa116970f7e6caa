import APIMachinery
import ArgumentParser
import Client
import Foundation
import Kubelet
import Logging

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
    @Option(help: "CRI endpoint of the node's containerd (runtime containerd), e.g. unix:///run/skiff/C/N/containerd.sock.")
    var containerRuntimeEndpoint: String?
    @Option(help: "Parent cgroup of the pod cgroups (cgroupfs driver), e.g. /skiff/C/N.") var cgroupRoot: String?
    @Option(help: "The node's network namespace (runtime containerd), e.g. /run/netns/skiff-N.") var netns: String?
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
        case "simulated": rt = SimulatedRuntime()
        case "containerd":
            guard containerRuntimeEndpoint != nil else { throw ValidationError("--runtime containerd needs --container-runtime-endpoint") }
            throw ValidationError("--runtime containerd: the kubelet's CRI runtime is not wired in yet (endpoint \(containerRuntimeEndpoint!)); use --runtime simulated")
        default: throw ValidationError("unknown --runtime \(runtime): use simulated or containerd")
        }
        let node = NodeConfig(name: nodeName, podCIDR: podCIDR, internalIP: nodeIP, labels: labels, taints: taints,
                              runtimeVersion: rt.version)
        var options = KubeletOptions(node: node, staticPods: staticPods.map { URL(fileURLWithPath: $0) })
        options.workers = 4
        options.containerRuntimeEndpoint = containerRuntimeEndpoint
        options.cgroupRoot = cgroupRoot
        options.netnsPath = netns
        options.rootDirectory = URL(fileURLWithPath: rootDir)
        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "kubelet/v1.32.0-skiff (\(nodeName))"))
        let kubelet = try Kubelet(client: client, options: options, runtime: rt, logger: logger)
        logger.info("kubelet starting on node \(nodeName) (runtime \(rt.version), pod CIDR \(podCIDR))")
        try await SignalHandling.runUntilTerminated {
            try await kubelet.run()
        }
        await client.shutdown()
    }
}
