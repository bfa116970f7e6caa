/// The fixed part of the proxy's table: base chains on the netfilter hooks, the helper chains they jump
/// to, and the declarations of the maps and sets the per-service rules fill (upstream's `setupNFTables`).
///
/// ```
/// nat-prerouting  (nat, prerouting, -100)  → services    pods and other namespaces → DNAT
/// nat-output      (nat, output, -100)      → services    processes of the node namespace → DNAT
/// nat-postrouting (nat, postrouting, 100)  → masquerading   only packets marked for hairpin
/// filter-input/-forward/-output (filter, -110)  → endpoints-check   reject when no endpoint is ready
/// filter-forward, filter-output-post-dnat (-90) → cluster-ips-check reject unknown ClusterIP ports
/// filter-prerouting, filter-output (filter, -110) → firewall-check   loadBalancerSourceRanges, before DNAT
/// ```
/// Rejecting happens in filter chains because `reject` is only valid on the input, forward and output
/// hooks; services with no endpoints never match the DNAT maps, so the order against NAT does not matter.
public struct TableLayout: Sendable, Equatable {
    public var family = "ip"
    public var table = "skiff-proxy"
    /// The bit `mark-for-masquerade` sets and `masquerading` tests and clears (upstream's default bit 14).
    public var masqueradeMark: UInt32 = 0x4000

    public init(table: String = "skiff-proxy", masqueradeMark: UInt32 = 0x4000) {
        self.table = table
        self.masqueradeMark = masqueradeMark
    }

    public static let servicesChain = "services"
    public static let endpointsCheckChain = "endpoints-check"
    public static let clusterIPsCheckChain = "cluster-ips-check"
    public static let firewallCheckChain = "firewall-check"
    public static let rejectChain = "reject-chain"
    public static let markMasqChain = "mark-for-masquerade"
    public static let masqueradingChain = "masquerading"
    public static let clusterIPsSet = "cluster-ips"

    public struct BaseChain: Sendable, Equatable {
        public var name: String
        public var type: String
        public var hook: String
        public var priority: Int
        public var rules: [String]
    }

    public var baseChains: [BaseChain] {
        // Upstream's order (nftablesBaseChains, nftablesJumpChains): in filter-output a Service without
        // endpoints is rejected before the source-range check could silently drop the connection.
        [
            BaseChain(name: "filter-prerouting", type: "filter", hook: "prerouting", priority: -110,
                      rules: ["ct state new jump \(Self.firewallCheckChain)"]),
            BaseChain(name: "filter-input", type: "filter", hook: "input", priority: -110,
                      rules: ["ct state new jump \(Self.endpointsCheckChain)"]),
            BaseChain(name: "filter-forward", type: "filter", hook: "forward", priority: -110,
                      rules: ["ct state new jump \(Self.endpointsCheckChain)", "ct state new jump \(Self.clusterIPsCheckChain)"]),
            BaseChain(name: "filter-output", type: "filter", hook: "output", priority: -110,
                      rules: ["ct state new jump \(Self.endpointsCheckChain)", "ct state new jump \(Self.firewallCheckChain)"]),
            BaseChain(name: "filter-output-post-dnat", type: "filter", hook: "output", priority: -90,
                      rules: ["ct state new jump \(Self.clusterIPsCheckChain)"]),
            BaseChain(name: "nat-prerouting", type: "nat", hook: "prerouting", priority: -100, rules: ["jump \(Self.servicesChain)"]),
            BaseChain(name: "nat-output", type: "nat", hook: "output", priority: -100, rules: ["jump \(Self.servicesChain)"]),
            BaseChain(name: "nat-postrouting", type: "nat", hook: "postrouting", priority: 100, rules: ["jump \(Self.masqueradingChain)"]),
        ]
    }

    var mark: String { "0x" + String(masqueradeMark, radix: 16) }

    /// Regular chains with fixed content, in the order they must be filled (no forward references).
    public var helperChains: [(name: String, rules: [String])] {
        let maps = "meta l4proto . th dport vmap"
        // NodePorts answer on every local address of the node namespace except loopback (which would need
        // route_localnet), as upstream does without --nodeport-addresses.
        let local = "fib daddr type local ip daddr != 127.0.0.0/8"
        return [
            (Self.rejectChain, ["meta l4proto tcp reject with tcp reset", "reject with icmp type host-unreachable"]),
            (Self.markMasqChain, ["meta mark set meta mark or \(mark)"]),
            (Self.masqueradingChain, [
                "meta mark & \(mark) == 0 return",
                "meta mark set meta mark xor \(mark)",
                "masquerade fully-random",
            ]),
            (Self.servicesChain, [
                "ip daddr . \(maps) @\(ProxyMap.serviceIPs.rawValue)",
                "\(local) \(maps) @\(ProxyMap.serviceNodePorts.rawValue)",
            ]),
            (Self.endpointsCheckChain, [
                "ip daddr . \(maps) @\(ProxyMap.noEndpointServices.rawValue)",
                "\(local) \(maps) @\(ProxyMap.noEndpointNodePorts.rawValue)",
            ]),
            // A port no service claims: refused like a service without endpoints (a TCP reset, not an ICMP
            // error, which a connecting client may only act on after retransmitting its SYN).
            (Self.clusterIPsCheckChain, ["ip daddr @\(Self.clusterIPsSet) goto \(Self.rejectChain)"]),
            (Self.firewallCheckChain, ["ip daddr . \(maps) @\(ProxyMap.firewallIPs.rawValue)"]),
        ]
    }

    /// `ip skiff-proxy`, the prefix of every object reference.
    public var qualified: String { "\(family) \(table)" }

    /// Creates (or keeps) the table and every fixed object, empties the fixed chains and the maps, and
    /// writes the fixed rules: the first half of a full resync. Objects are added before flushing, so the
    /// same commands work on a fresh namespace and on one that has the table already.
    public func skeletonCommands() -> [String] {
        var out = ["add table \(qualified) { comment \"skiff proxy: Services and EndpointSlices\"; }"]
        for m in ProxyMap.allCases.sorted() {
            out.append("add map \(qualified) \(m.rawValue) { type \(m.keyType) : verdict; comment \"\(m.comment)\"; }")
            out.append("flush map \(qualified) \(m.rawValue)")
        }
        out.append("add set \(qualified) \(Self.clusterIPsSet) { type ipv4_addr; comment \"every ClusterIP\"; }")
        out.append("flush set \(qualified) \(Self.clusterIPsSet)")
        for c in helperChains {
            out.append("add chain \(qualified) \(c.name)")
            out.append("flush chain \(qualified) \(c.name)")
        }
        for c in baseChains {
            out.append("add chain \(qualified) \(c.name) { type \(c.type) hook \(c.hook) priority \(c.priority); policy accept; }")
            out.append("flush chain \(qualified) \(c.name)")
        }
        for c in helperChains { for r in c.rules { out.append("add rule \(qualified) \(c.name) \(r)") } }
        for c in baseChains { for r in c.rules { out.append("add rule \(qualified) \(c.name) \(r)") } }
        return out
    }

    /// True for the fixed chains (which are never garbage-collected).
    public func isFixedChain(_ name: String) -> Bool {
        baseChains.contains { $0.name == name } || helperChains.contains { $0.name == name }
    }
}
