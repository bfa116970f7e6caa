import APIMachinery
import Client
import Foundation
import Kubelet
import Logging

/// `count` simulated kubelets in this process, as kwok runs many fake nodes in one: each a real `Kubelet`
/// (its own pod informer, Lease, status and Events) over a `SimulatedRuntime`, registering `sim-N` with
/// pod CIDR 10.244.N.0/24. They share the bench's HTTP client. For benches of controllers at node scale
/// without a process (and 20 MiB) per node.
final class BenchSimulatedNodes: Sendable {
    let names: [String]
    private let kubelets: [Kubelet]

    init(count: Int, client: KubeClient, rootDir: String, logger: Logger) throws {
        var names: [String] = []
        var kubelets: [Kubelet] = []
        for i in 0..<count {
            let name = "sim-\(i)"
            let runtime = SimulatedRuntime()
            let node = NodeConfig(name: name, podCIDR: "10.244.\(i % 256).0/24", internalIP: "10.99.\(i / 256).\(i % 256)",
                                  runtimeVersion: runtime.version)
            var options = KubeletOptions(node: node)
            options.rootDir = URL(fileURLWithPath: rootDir).appendingPathComponent(name)
            options.workers = 4
            try FileManager.default.createDirectory(at: options.rootDir, withIntermediateDirectories: true)
            kubelets.append(try Kubelet(client: client, options: options, runtime: runtime, logger: logger))
            names.append(name)
        }
        self.names = names
        self.kubelets = kubelets
    }

    /// Runs every kubelet until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for kubelet in kubelets {
                group.addTask { try? await kubelet.run() }
            }
        }
    }
}
