import APIMachinery
import Client
import Foundation
import Kubelet
import Logging

/// `count` simulated nodes in this process through a `NodeSimulator` (as a cluster's node simulator runs
/// them): `sim-N` with pod CIDR 10.244.(N mod 256).0/24, plain-HTTP endpoints on free loopback ports. For
/// benches of controllers at node scale without a process per node.
final class BenchSimulatedNodes: Sendable {
    let names: [String]
    private let simulator: NodeSimulator
    private let nodes: [SimulatedNode]

    init(count: Int, client: KubeClient, rootDir: String, logger: Logger) throws {
        let root = URL(fileURLWithPath: rootDir)
        var settings = NodeSimulator.Settings(endpoint: KubeletServerConfig(logPaths: PodLogPaths(kubeletRoot: root)))
        settings.endpoint.port = 0
        // The benches watch controllers react to node status, so nodes report it at the kubelet's 10 s.
        settings.statusInterval = .seconds(10)
        nodes = (0..<count).map { i in
            SimulatedNode(name: "sim-\(i)", podCIDR: "10.244.\(i % 256).0/24", rootDir: root.appendingPathComponent("sim-\(i)"))
        }
        names = nodes.map(\.name)
        simulator = try NodeSimulator(client: client, settings: settings, expectedNodes: count, logger: logger)
    }

    /// Runs every node until cancelled.
    func run() async {
        let (desired, continuation) = AsyncStream.makeStream(of: [SimulatedNode].self)
        continuation.yield(nodes)
        await simulator.run(desired)
        continuation.finish()
    }
}
