import APIMachinery
import Foundation
import Testing

@testable import Cluster

@Suite struct HostLinkTests {
    let root = URL(fileURLWithPath: "/var/lib/skiff/clusters/c2")

    func plan(link: HostLink?) -> NodeNetworkPlan {
        let names = ClusterSpec.nodeNames(cluster: "c2", count: 2)
        return NodeNetworkPlan(clusterNetns: "skiff-c2",
                               nodes: names.enumerated().map { NodeLayout(cluster: "c2", name: $1, index: $0, clusterRoot: root) },
                               hostLink: link)
    }

    @Test func theHostRoutesExactlyThePoolThroughTheClustersOwnDevice() {
        let link = HostLink(index: 7)
        // Host-side: every command not run in (`ip -n NS`, `ip netns exec NS`) or about (`ip netns add`) a namespace.
        let hostSide = plan(link: link).commands.filter { !$0.starts(with: ["ip", "-n"]) && !$0.starts(with: ["ip", "netns"]) }
            .map { $0.joined(separator: " ") }
        // Nothing on the host but the device, its /30 and one route for the pool through it.
        #expect(hostSide == [
            "ip link add skiffh7 type veth peer name host0 netns skiff-c2",
            "ip addr add 172.31.7.1/30 dev skiffh7",
            "ip link set skiffh7 up",
            "ip route add 172.31.7.128/25 via 172.31.7.2 dev skiffh7",
        ])
        #expect(!hostSide.contains { $0.contains("default") || $0.contains("172.30.") || $0.contains("10.244.") })
    }

    @Test func theRouteComesLastAndNodesRouteTheLinkBack() {
        let link = HostLink(index: 0)
        let p = plan(link: link)
        #expect(p.commands.last == ["ip", "route", "add", "172.31.0.128/25", "via", "172.31.0.2", "dev", "skiffh0"])
        for node in p.nodes {
            #expect(p.nodeCommands(node).contains(["ip", "-n", node.netns, "route", "add", "172.31.0.0/30", "via", "172.30.0.1", "dev", "eth0"]))
        }
        let cluster = p.commands.filter { $0.starts(with: ["ip", "-n", "skiff-c2"]) }
        #expect(cluster.contains(["ip", "-n", "skiff-c2", "route", "add", "172.31.0.128/25", "dev", "skiff0", "src", "172.30.0.1"]))
        #expect(cluster.contains(["ip", "-n", "skiff-c2", "addr", "add", "172.30.0.1/24", "dev", "skiff0"]))
    }

    @Test func withoutALinkThePlanIsTheClosedNetwork() {
        let p = plan(link: nil)
        #expect(!p.commands.contains { $0.contains("host0") || $0.contains { $0.hasPrefix("172.31.") } })
    }

    @Test func choiceSkipsOtherClustersAndTheHostsRanges() throws {
        let occupied = HostLink.occupiedRanges(
            routes: """
                default via 192.0.2.1 dev eth0
                172.31.0.0/16 dev docker9 proto kernel scope link src 172.31.0.1
                local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
                """,
            addresses: "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever")
        #expect(occupied.map(\.description).sorted() == ["127.0.0.1/32", "172.31.0.0/16", "192.0.2.0/24"])
        // The whole 172.31/16 is the host's: nothing is free.
        #expect(HostLink.choose(taken: [], occupied: occupied) == nil)
        let partly = [IPv4CIDR("172.31.0.0/23")!, IPv4CIDR("0.0.0.0/0")!]
        #expect(HostLink.choose(taken: [2, 3], occupied: partly)?.index == 4)
        #expect(HostLink.choose(taken: [], occupied: [])?.index == 0)
    }

    @Test func rangesAreTheLinkAndThePoolInsideTheIndexesSlash24() {
        let link = HostLink(index: 200)
        #expect(link.range.description == "172.31.200.0/24")
        #expect(link.range.contains(link.hostAddress) && link.range.contains(link.clusterAddress))
        let pool = IPv4CIDR(link.loadBalancerPool)!
        #expect(link.range.overlaps(pool) && !pool.contains(link.hostAddress) && !pool.contains(link.clusterAddress))
        #expect(link.hostDevice.utf8.count <= 15)
    }

    @Test func specsWithoutTheNewFieldsStillLoad() throws {
        let old = #"{"apiServerPort":1,"createdAt":"x","name":"o","nodes":[],"podCIDR":"10.244.0.0/16","runtime":"containerd","serviceCIDR":"10.96.0.0/16"}"#
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: Data(old.utf8))
        #expect(spec.hostLink == nil && spec.portMappings == nil)
        let made = ClusterSpec.make(name: "n", nodes: 2, runtime: "containerd", port: 1, hostLink: HostLink(index: 3),
                                    portMappings: [PortMapping(hostPort: 8080, nodePort: 30080)])
        let again = try JSONDecoder().decode(ClusterSpec.self, from: JSONEncoder().encode(made))
        #expect(again == made)
    }
}
