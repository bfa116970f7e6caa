import Foundation
import Testing

@testable import Cluster

@Suite struct NodeNetworkPlanTests {
    let root = URL(fileURLWithPath: "/var/lib/skiff/clusters/c3")

    func threeNodes() -> NodeNetworkPlan {
        let names = ClusterSpec.nodeNames(cluster: "c3", count: 3)
        return NodeNetworkPlan(clusterNetns: "skiff-c3",
                               nodes: names.enumerated().map { NodeLayout(cluster: "c3", name: $1, index: $0, clusterRoot: root) })
    }

    @Test func addressesAndPodRangesFollowTheNodeIndex() {
        let plan = threeNodes()
        #expect(plan.nodes.map(\.name) == ["c3-control-plane", "c3-worker", "c3-worker2"])
        #expect(plan.nodes.map(\.ip) == ["172.30.0.2", "172.30.0.3", "172.30.0.4"])
        #expect(plan.nodes.map(\.podCIDR) == ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"])
        #expect(plan.nodes.map(\.netns) == ["skiff-c3-control-plane", "skiff-c3-worker", "skiff-c3-worker2"])
        #expect(plan.namespaces == ["skiff-c3", "skiff-c3-control-plane", "skiff-c3-worker", "skiff-c3-worker2"])
    }

    @Test func eachNodeRoutesTheOtherPodRangesThroughTheirNodes() {
        let plan = threeNodes()
        let r1 = plan.routes(of: plan.nodes[1])
        #expect(r1.map(\.destination) == ["10.244.0.0/24", "10.244.2.0/24"])
        #expect(r1.map(\.via) == ["172.30.0.2", "172.30.0.4"])
        let cmds = plan.nodeCommands(plan.nodes[1])
        #expect(cmds.contains(["ip", "-n", "skiff-c3-worker", "route", "add", "10.244.2.0/24", "via", "172.30.0.4", "dev", "eth0"]))
        #expect(cmds.contains(["ip", "-n", "skiff-c3-worker", "addr", "add", "172.30.0.3/24", "dev", "eth0"]))
        #expect(cmds.contains(["ip", "-n", "skiff-c3-worker", "link", "add", "eth0", "type", "veth", "peer", "name", "veth1", "netns", "skiff-c3"]))
        #expect(cmds.contains(["ip", "-n", "skiff-c3", "link", "set", "veth1", "master", "skiff0"]))
        #expect(cmds.last == ["ip", "netns", "exec", "skiff-c3-worker", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    }

    @Test func nothingGetsADefaultRouteOrMasquerades() {
        let all = threeNodes().commands.map { $0.joined(separator: " ") }
        #expect(!all.contains { $0.contains("default") || $0.contains("0.0.0.0/0") })
        #expect(!all.contains { $0.contains("masquerade") || $0.contains("iptables") || $0.contains("nft") })
        // The bridge namespace exists before any veth is moved into it.
        let firstVeth = all.firstIndex { $0.contains("type veth") }!
        #expect(all.firstIndex(of: "ip netns add skiff-c3")! < firstVeth)
    }

    @Test func socketPathsAreCheckedAgainstTheUnixLimit() throws {
        let short = NodeLayout(cluster: "c3", name: "c3-control-plane", index: 0, clusterRoot: root)
        #expect(short.containerdSocket == "/run/skiff/c3/c3-control-plane/containerd.sock")
        #expect(short.criEndpoint == "unix:///run/skiff/c3/c3-control-plane/containerd.sock")
        #expect(short.cgroupRoot == "/skiff/c3/c3-control-plane")
        try short.validate()
        let long = String(repeating: "a", count: 45)
        let node = NodeLayout(cluster: long, name: long + "-control-plane", index: 0, clusterRoot: root)
        #expect(throws: ClusterError.self) { try node.validate() }
    }
}
