import Foundation

/// The `ip` commands that build a cluster's node network, as data: a cluster namespace holding the bridge
/// `skiff0`, and per node a namespace whose `eth0` (one end of a veth pair) sits on that bridge with the
/// node's address, routes to every other node's pod range through that node's address, and IPv4
/// forwarding on. Nothing gets a default route and nothing masquerades, so pod traffic cannot leave the
/// namespaces Skiff made. Kept pure so the address and route plan can be checked without root.
public struct NodeNetworkPlan: Sendable, Equatable {
    public let clusterNetns: String
    public let nodes: [NodeLayout]
    /// The host's way into the cluster (`HostLink`); nil builds the closed network of older clusters.
    public let hostLink: HostLink?
    public static let bridge = "skiff0"

    public init(clusterNetns: String, nodes: [NodeLayout], hostLink: HostLink? = nil) {
        self.clusterNetns = clusterNetns
        self.nodes = nodes
        self.hostLink = hostLink
    }

    public init(spec: ClusterSpec, paths: ClusterPaths) {
        self.init(clusterNetns: paths.clusterNetns, nodes: NodeLayout.all(spec: spec, paths: paths), hostLink: spec.hostLink)
    }

    /// Every namespace the plan creates, cluster first.
    public var namespaces: [String] { [clusterNetns] + nodes.map(\.netns) }

    /// The bridge-side end of node `i`'s veth pair, in the cluster namespace (fits IFNAMSIZ).
    public static func bridgePort(_ node: NodeLayout) -> String { "veth\(node.index)" }

    /// `10.244.j.0/24 via 172.30.0.(j+2)` for every other node `j`.
    public func routes(of node: NodeLayout) -> [(destination: String, via: String)] {
        nodes.filter { $0.index != node.index }.map { ($0.podCIDR, $0.ip) }
    }

    /// The cluster namespace and its bridge.
    public var clusterCommands: [[String]] {
        [
            ["ip", "netns", "add", clusterNetns],
            ["ip", "-n", clusterNetns, "link", "set", "lo", "up"],
            ["ip", "-n", clusterNetns, "link", "add", Self.bridge, "type", "bridge"],
            ["ip", "-n", clusterNetns, "link", "set", Self.bridge, "up"],
        ]
    }

    /// One node's namespace, its veth pair onto the bridge, address, routes and forwarding.
    public func nodeCommands(_ node: NodeLayout) -> [[String]] {
        let ns = node.netns, port = Self.bridgePort(node)
        var cmds: [[String]] = [
            ["ip", "netns", "add", ns],
            ["ip", "-n", ns, "link", "set", "lo", "up"],
            ["ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", clusterNetns],
            ["ip", "-n", clusterNetns, "link", "set", port, "master", Self.bridge],
            ["ip", "-n", clusterNetns, "link", "set", port, "up"],
            ["ip", "-n", ns, "addr", "add", "\(node.ip)/\(NodeLayout.nodeNetworkPrefixLength)", "dev", "eth0"],
            ["ip", "-n", ns, "link", "set", "eth0", "up"],
        ]
        for r in routes(of: node) {
            cmds.append(["ip", "-n", ns, "route", "add", r.destination, "via", r.via, "dev", "eth0"])
        }
        if let hostLink { cmds += hostLink.nodeCommands(netns: ns) }
        cmds.append(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        return cmds
    }

    /// Everything, in order: the host link last, so its route appears only once the nodes behind it exist.
    public var commands: [[String]] {
        clusterCommands + nodes.flatMap(nodeCommands) + (hostLink?.setUpCommands(clusterNetns: clusterNetns, bridge: Self.bridge) ?? [])
    }
}
