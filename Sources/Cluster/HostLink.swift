import APIMachinery
import Foundation

/// The one way from the host into a cluster (docs/networking.md): a veth pair between the root namespace
/// and the cluster namespace, and a host route for exactly the cluster's load-balancer pool through it —
/// the part of kind's docker bridge that lets the host reach LoadBalancer addresses. Node addresses
/// (172.30.0.x in every cluster) stay unrouted from the host, so clusters never clash over them.
///
/// Cluster `index` owns `172.31.<index>.0/24`: the link is its first /30 (host .1, cluster namespace .2) and
/// the pool its upper half. The cluster namespace forwards between the link and the node bridge, where it
/// holds `bridgeAddress`; nodes route the link back through that address, so replies find the host and
/// LoadBalancer traffic keeps the host's address as its source (which `loadBalancerSourceRanges` checks).
/// Deleting the cluster namespace takes the veth pair, its addresses and the host route with it.
public struct HostLink: Codable, Sendable, Equatable {
    public var index: Int

    public init(index: Int) {
        precondition(Self.indexes.contains(index))
        self.index = index
    }

    public static let indexes = 0..<256
    /// The cluster namespace's address on the node bridge (nodes are .2 and up).
    public static let bridgeAddress = "172.30.0.1"
    /// The cluster-namespace end of the pair.
    public static let clusterDevice = "host0"

    /// Everything this link claims on the host.
    public var range: IPv4CIDR { IPv4CIDR("172.31.\(index).0/24")! }
    public var linkCIDR: String { "172.31.\(index).0/30" }
    public var hostAddress: String { "172.31.\(index).1" }
    public var clusterAddress: String { "172.31.\(index).2" }
    /// LoadBalancer Services' addresses (the controller manager's `--load-balancer-pool`).
    public var loadBalancerPool: String { "172.31.\(index).128/25" }
    /// The host end of the pair, named after the index so it fits IFNAMSIZ for any cluster name.
    public var hostDevice: String { "skiffh\(index)" }

    /// The commands that make the link, after the cluster namespace and its bridge exist.
    public func setUpCommands(clusterNetns ns: String, bridge: String) -> [[String]] {
        [
            ["ip", "link", "add", hostDevice, "type", "veth", "peer", "name", Self.clusterDevice, "netns", ns],
            ["ip", "addr", "add", "\(hostAddress)/30", "dev", hostDevice],
            ["ip", "link", "set", hostDevice, "up"],
            ["ip", "-n", ns, "addr", "add", "\(clusterAddress)/30", "dev", Self.clusterDevice],
            ["ip", "-n", ns, "link", "set", Self.clusterDevice, "up"],
            ["ip", "-n", ns, "addr", "add", "\(Self.bridgeAddress)/\(NodeLayout.nodeNetworkPrefixLength)", "dev", bridge],
            // The pool is on-link on the bridge: the node that serves an address answers ARP for it.
            ["ip", "-n", ns, "route", "add", loadBalancerPool, "dev", bridge, "src", Self.bridgeAddress],
            ["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
            // Which node answers for an address changes when endpoints move (externalTrafficPolicy: Local):
            // short-lived neighbour entries find the new node within seconds (there is no arping here to
            // announce it).
            ["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.neigh.\(bridge).base_reachable_time_ms=2000",
             "net.ipv4.neigh.\(bridge).delay_first_probe_time=1"],
            ["ip", "route", "add", loadBalancerPool, "via", clusterAddress, "dev", hostDevice],
        ]
    }

    /// A node's route back to the host's end of the link.
    public func nodeCommands(netns: String) -> [[String]] {
        [["ip", "-n", netns, "route", "add", linkCIDR, "via", Self.bridgeAddress, "dev", "eth0"]]
    }

    /// The lowest index whose range no other cluster holds and that overlaps no address or route of the
    /// host (which also covers clusters under another SKIFF_HOME: their links' addresses and routes show) (`occupied`: the host's ranges, from `ip -4 route` and `ip -4 addr`).
    public static func choose(taken: Set<Int>, occupied: [IPv4CIDR]) -> HostLink? {
        for i in indexes where !taken.contains(i) {
            let link = HostLink(index: i)
            if !occupied.contains(where: { $0.prefixLength > 0 && $0.overlaps(link.range) }) { return link }
        }
        return nil
    }

    /// The destinations of the host's routes and its addresses' networks, from `ip -o -4 route show table
    /// all` and `ip -o -4 addr show` output (the first CIDR-looking word of each line; `default` is skipped).
    public static func occupiedRanges(routes: String, addresses: String) -> [IPv4CIDR] {
        var out: [IPv4CIDR] = []
        for line in routes.split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)
            if ["broadcast", "local", "unicast", "multicast", "anycast"].contains(words.first ?? "") { words.removeFirst() }
            if let first = words.first, let c = IPv4CIDR(first) { out.append(c) }
        }
        for line in addresses.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if let i = words.firstIndex(of: "inet"), i + 1 < words.count, let c = IPv4CIDR(words[i + 1]) { out.append(c) }
        }
        return out
    }
}
