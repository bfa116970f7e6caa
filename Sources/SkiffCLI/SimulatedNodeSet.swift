import APIMachinery
import Cluster
import Foundation
import Kubelet

extension ClusterSpec {
    /// The nodes the node simulator runs for this cluster, as `ClusterComponents` would start their kubelets:
    /// the control plane's role labels and taint, each node's static pods file, directory and port.
    func simulatedNodeSet(paths: ClusterPaths) -> [SimulatedNode] {
        nodes.enumerated().filter { isSimulated($0.element) }.map { index, node in
            var labels: [String: String] = [:]
            var taints: [JSON] = []
            if node.role == "control-plane" {
                labels = NodeRoles.controlPlaneLabels
                if NodeRoles.hasControlPlaneTaint(nodes: nodes.count) {
                    taints = [["key": .string(NodeRoles.controlPlaneTaintKey), "effect": "NoSchedule"]]
                }
            }
            return SimulatedNode(
                name: node.name, podCIDR: node.podCIDR, labels: labels, taints: taints,
                kubeletPort: node.kubeletPort(index: index),
                staticPods: ClusterAddons.staticPodsFile(node: node.name, paths: paths),
                rootDir: paths.nodes.appendingPathComponent(node.name), paused: node.paused ?? false)
        }
    }
}
