import Foundation
import Testing

@testable import Cluster

/// The pod address plan and which process runs which node, for clusters past kind's 256 nodes and for
/// clusters that mix real and simulated nodes.
@Suite struct NodeAddressPlanTests {
    @Test func nodesGetConsecutiveSlash24sOfTheClusterRange() throws {
        #expect(PodCIDRPlan.standard.capacity == 256)
        #expect(PodCIDRPlan.standard.nodeCIDR(index: 0) == "10.244.0.0/24")
        #expect(PodCIDRPlan.standard.nodeCIDR(index: 255) == "10.244.255.0/24")
        #expect(PodCIDRPlan.standard.nodeCIDR(index: 256) == nil)
        #expect(PodCIDRPlan.large.capacity == 32_768)
        #expect(PodCIDRPlan.large.nodeCIDR(index: 999) == "10.131.231.0/24")
        #expect(PodCIDRPlan.large.nodeCIDR(index: 32_767) == "10.255.255.0/24")
        #expect(PodCIDRPlan.large.nodeCIDR(index: -1) == nil)
    }

    @Test func theSmallestPlanThatHoldsTheNodesIsChosen() {
        #expect(PodCIDRPlan.forNodes(1) == .standard)
        #expect(PodCIDRPlan.forNodes(256) == .standard)
        #expect(PodCIDRPlan.forNodes(257) == .large)
        #expect(PodCIDRPlan.forNodes(32_768) == .large)
        #expect(PodCIDRPlan.forNodes(32_769) == nil)
    }

    @Test func rangesThatAreNotPlansAreRefused() {
        for bad in ["10.244.0.0", "10.244.0.1/16", "10.244.0.0/25", "10.0.0.0/7", "300.0.0.0/8", "a.b.c.d/16", "10.244.0/16"] {
            #expect(PodCIDRPlan(clusterCIDR: bad) == nil, "\(bad)")
        }
    }

    /// A thousand nodes: distinct /24s from the large plan, no address of a real node's network needed.
    @Test func aThousandNodeClusterFitsTheLargePlan() {
        let spec = ClusterSpec.make(name: "k", nodes: 1000, runtime: "simulated", port: 6443)
        #expect(spec.podCIDR == "10.128.0.0/9")
        #expect(Set(spec.nodes.map(\.podCIDR)).count == 1000)
        #expect(spec.nodes.last?.podCIDR == "10.131.231.0/24")
        #expect(Set(spec.nodes.map(\.name)).count == 1000)
        #expect(spec.simulatedNodes.count == 1000)
    }

    /// A simulated cluster runs one node simulator and no kubelet process; a real cluster with a simulated
    /// node added runs its real nodes' kubelets and the simulator, and lays out only the real nodes.
    @Test func simulatedNodesRunInTheNodeSimulator() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "s", clustersDir: dir.url)
        let simulated = ClusterSpec.make(name: "s", nodes: 3, runtime: "simulated", port: 6443)
        let names = ClusterComponents.list(spec: simulated, paths: paths).map(\.name)
        #expect(names.filter { $0 == "node-simulator" }.count == 1)
        #expect(!names.contains { $0.hasPrefix("kubelet-") })
        #expect(NodeLayout.all(spec: simulated, paths: paths).isEmpty)
        let simulator = try #require(ClusterComponents.list(spec: simulated, paths: paths).first { $0.name == "node-simulator" })
        let spec = try #require(simulator.arguments.firstIndex(of: "--cluster-spec"))
        #expect(simulator.arguments[spec + 1] == paths.spec.path)

        var mixed = ClusterSpec.make(name: "m", nodes: 2, runtime: "containerd", port: 6443)
        #expect(!ClusterComponents.list(spec: mixed, paths: paths).contains { $0.name == "node-simulator" })
        mixed.nodes.append(ClusterSpec.Node(name: "m-worker2", role: "worker", podCIDR: "10.244.2.0/24", simulated: true))
        let mixedNames = ClusterComponents.list(spec: mixed, paths: paths).map(\.name)
        #expect(mixedNames.contains("node-simulator"))
        #expect(mixedNames.contains("kubelet-m-control-plane") && mixedNames.contains("kubelet-m-worker"))
        #expect(!mixedNames.contains("kubelet-m-worker2"))
        #expect(NodeLayout.all(spec: mixed, paths: paths).map(\.name) == ["m-control-plane", "m-worker"])
        #expect(mixed.simulatedNodes.map(\.name) == ["m-worker2"])
    }

    /// A spec written before nodes could be mixed has no per-node flag: its nodes follow the runtime.
    @Test func aSpecFromBeforeMixedClustersFollowsItsRuntime() throws {
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("cluster.json")
        try ClusterSpec.make(name: "old", nodes: 2, runtime: "containerd", port: 6443).save(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8).contains("\"simulated\"") == false)
        let spec = try ClusterSpec.load(from: url)
        #expect(spec.simulatedNodes.isEmpty)
    }
}
