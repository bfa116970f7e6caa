/// The verdict maps of the table. Keys are written as nft writes them (`10.96.0.10 . tcp . 80`,
/// `tcp . 30080`), values are verdicts (`goto service-…`).
public enum ProxyMap: String, Sendable, CaseIterable, Comparable {
    /// ClusterIP . protocol . port → the service port's chain.
    case serviceIPs = "service-ips"
    /// protocol . NodePort → the service port's chain, for any local destination address.
    case serviceNodePorts = "service-nodeports"
    /// ClusterIP . protocol . port of a service port without ready endpoints → reject.
    case noEndpointServices = "no-endpoint-services"
    /// protocol . NodePort of a service port without ready endpoints → reject.
    case noEndpointNodePorts = "no-endpoint-nodeports"
    /// Load-balancer IP . protocol . port of a service port with `loadBalancerSourceRanges` → its
    /// `firewall-…` chain, which drops every other source before DNAT.
    case firewallIPs = "firewall-ips"

    /// The nft key type of the map.
    public var keyType: String {
        switch self {
        case .serviceIPs, .noEndpointServices, .firewallIPs: return "ipv4_addr . inet_proto . inet_service"
        case .serviceNodePorts, .noEndpointNodePorts: return "inet_proto . inet_service"
        }
    }

    public var comment: String {
        switch self {
        case .serviceIPs: return "ClusterIP traffic"
        case .serviceNodePorts: return "NodePort traffic"
        case .noEndpointServices: return "vmap to reject packets to services with no endpoints"
        case .noEndpointNodePorts: return "vmap to reject packets to service nodeports with no endpoints"
        case .firewallIPs: return "destinations that are subject to LoadBalancerSourceRanges"
        }
    }

    public static func < (a: ProxyMap, b: ProxyMap) -> Bool { a.rawValue < b.rawValue }
}

/// One element of a verdict map.
public struct MapElement: Sendable, Hashable {
    public var verdict: String
    /// Names the service port (`ns/name:port`) so `nft list` is readable; part of the element, so a
    /// changed comment rewrites it.
    public var comment: String?

    public init(verdict: String, comment: String? = nil) {
        self.verdict = verdict
        self.comment = comment
    }
}

/// The part of the `skiff-proxy` table that depends on Services and EndpointSlices: what a sync computes,
/// diffs against the last applied one, and writes. The fixed part (hooks, helper chains, map declarations)
/// is `TableLayout`'s.
public struct Ruleset: Sendable, Equatable {
    /// `service-…` and `endpoint-…` chains: name → rules (without the `add rule ip TABLE CHAIN` prefix).
    public var chains: [String: [String]] = [:]
    /// Per-endpoint `affinity-…` sets (client address, with timeout) of ClientIP-affinity services:
    /// name → timeout in seconds.
    public var affinitySets: [String: Int] = [:]
    public var maps: [ProxyMap: [String: MapElement]] = [:]
    /// Every ClusterIP: traffic to one on a port no service port claims is rejected.
    public var clusterIPs: Set<String> = []
    /// Where UDP service traffic is DNATed (not written to nft: for clearing stale conntrack entries).
    public var udpFlows: Set<UDPFlow> = []
    /// Load-balancer addresses this node answers for on its link (not written to nft: the
    /// `AddressAnnouncer` puts them on the node), so the cluster namespace's ARP finds a node that
    /// can serve them.
    public var announcedAddresses: Set<String> = []

    public init() {}

    public var isEmpty: Bool { self == Ruleset() }

    /// Both rulesets' objects together; they must not overlap (each Service's objects are its own: its
    /// chains are named after it, its map keys hold its ClusterIP or NodePort).
    public mutating func merge(_ other: Ruleset) {
        chains.merge(other.chains) { a, _ in a }
        affinitySets.merge(other.affinitySets) { a, _ in a }
        for (m, e) in other.maps { maps[m, default: [:]].merge(e) { a, _ in a } }
        clusterIPs.formUnion(other.clusterIPs)
        udpFlows.formUnion(other.udpFlows)
        announcedAddresses.formUnion(other.announcedAddresses)
    }

    public static func merged(_ parts: some Sequence<Ruleset>) -> Ruleset {
        var r = Ruleset()
        for p in parts { r.merge(p) }
        return r
    }

    public func elements(_ map: ProxyMap) -> [String: MapElement] { maps[map] ?? [:] }

    /// Counts for log lines.
    public var summary: String {
        let counts = ProxyMap.allCases.map { "\($0.rawValue)=\(self.elements($0).count)" }.joined(separator: " ")
        return "chains=\(chains.count) affinity-sets=\(affinitySets.count) \(counts) cluster-ips=\(clusterIPs.count)"
    }
}
