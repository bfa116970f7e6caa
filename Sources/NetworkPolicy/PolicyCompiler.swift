import APIMachinery

/// Turns NetworkPolicies into one node's nftables table `ip skiff-policy` (as kindnet does since 2024):
/// for every pod of this node that a policy isolates, an `ingress-<ip>` and/or `egress-<ip>` chain holding
/// one `accept`/`return` rule per allowed (peer, port) and a final `drop`. Pure: same input, same script.
///
/// ```
/// forward (filter, forward, 0)  established,related → accept; egress-pods vmap (jump); ingress-pods vmap (goto)
/// input   (filter, input, 0)    established,related → accept; egress-pods vmap (jump)   pods → this node (DNS)
/// ```
/// The hooks see pod traffic after kube-proxy's DNAT (priority -100), so policies judge the endpoint a
/// Service sent the packet to, as upstream requires; traffic between pods of one node is bridged, and
/// br_netfilter hands it to these hooks too. Replies of allowed connections pass by conntrack; connections
/// that were allowed when they started carry on after a policy change (upstream leaves this to the
/// implementation; most keep them).
public struct PolicyCompiler: Sendable {
    public var table = "skiff-policy"
    public var nodeName: String

    public init(nodeName: String) {
        self.nodeName = nodeName
    }

    /// The table's chains (name → rules), the two verdict maps (pod IP → verdict) and the peer address
    /// sets the rules refer to (name → addresses).
    public struct Output: Sendable, Equatable {
        public var chains: [String: [String]] = [:]
        /// One named set per distinct list of peer pods, shared by every rule that names those peers: the
        /// pods one policy selects all get the same peers, and an anonymous set per rule made nft's work
        /// grow with the square of the rules (docs/benchmarks.md).
        public var sets: [String: [String]] = [:]
        public var ingressPods: [String: String] = [:]
        public var egressPods: [String: String] = [:]
    }

    public func compile(policies: [PolicyInfo], pods: [PolicyPod], namespaces: [String: [String: String]]) -> Output {
        var out = Output()
        // A rule's peers are the same for every pod its policy selects: worked out once per compile, not
        // once per selected pod (with 1,000 policies over 100 pods that repeated work was most of a change's
        // cost, docs/benchmarks.md).
        var peerCache = PeerCache()
        let byNamespace = Dictionary(grouping: policies, by: \.namespace)
        for pod in pods.sorted(by: { $0.ip < $1.ip }) where pod.nodeName == nodeName {
            let selecting = (byNamespace[pod.namespace] ?? []).filter { $0.selects(pod) }.sorted { $0.name < $1.name }
            let ingress = selecting.filter(\.isolatesIngress), egress = selecting.filter(\.isolatesEgress)
            if !ingress.isEmpty {
                let chain = "ingress-\(pod.ip)"
                var rules: [String] = []
                for policy in ingress {
                    for (index, rule) in policy.ingress.enumerated() {
                        let peers = peerCache.peers(of: rule, index: index, policy: policy, direction: "saddr", pods: pods, namespaces: namespaces, sets: &out.sets)
                        rules += allow(rule, peers: peers, local: pod, direction: "saddr", verdict: "accept", pods: pods)
                    }
                }
                out.chains[chain] = rules + ["drop comment \"\(pod.namespace)/\(pod.name): ingress not allowed\""]
                out.ingressPods[pod.ip] = "goto \(chain)"
            }
            if !egress.isEmpty {
                let chain = "egress-\(pod.ip)"
                var rules: [String] = []
                for policy in egress {
                    for (index, rule) in policy.egress.enumerated() {
                        let peers = peerCache.peers(of: rule, index: index, policy: policy, direction: "daddr", pods: pods, namespaces: namespaces, sets: &out.sets)
                        rules += allow(rule, peers: peers, local: pod, direction: "daddr", verdict: "return", pods: pods)
                    }
                }
                out.chains[chain] = rules + ["drop comment \"\(pod.namespace)/\(pod.name): egress not allowed\""]
                out.egressPods[pod.ip] = "jump \(chain)"
            }
        }
        return out
    }

    /// The peers of one policy rule, as nft matches (nil: any peer), and the pods among them.
    struct Peers {
        var matches: [String?]
        var pods: [PolicyPod]
    }

    /// Each rule's `Peers`, worked out on first use within one compile.
    struct PeerCache {
        private var known: [String: Peers] = [:]

        mutating func peers(of rule: PolicyInfo.Rule, index: Int, policy: PolicyInfo, direction: String, pods: [PolicyPod],
                            namespaces: [String: [String: String]], sets: inout [String: [String]]) -> Peers {
            let key = "\(policy.namespace)/\(policy.name)/\(direction)/\(index)"
            if let hit = known[key] { return hit }
            let peers = PolicyCompiler.peers(of: rule, policy: policy, direction: direction, pods: pods, namespaces: namespaces, sets: &sets)
            known[key] = peers
            return peers
        }
    }

    /// `direction` is the peer's side (`saddr` for ingress, `daddr` for egress). Pod peers become one
    /// address set; no peers at all means any peer.
    static func peers(of rule: PolicyInfo.Rule, policy: PolicyInfo, direction: String, pods: [PolicyPod],
                      namespaces: [String: [String: String]], sets: inout [String: [String]]) -> Peers {
        if rule.peers.isEmpty { return Peers(matches: [nil], pods: pods) }
        var peerMatches: [String?] = []
        var peerPods: [PolicyPod] = []
        for peer in rule.peers {
            switch peer {
            case .pods(let podSelector, let namespaceSelector):
                peerPods += pods.filter { p in
                    let inNamespace: Bool
                    if let namespaceSelector {
                        inNamespace = namespaces[p.namespace].map(namespaceSelector.matches) ?? false
                    } else {
                        inNamespace = p.namespace == policy.namespace
                    }
                    return inNamespace && (podSelector ?? .everything).matches(p.labels)
                }
            case .ipBlock(let cidr, let except):
                let inside = except.filter { cidr.contains($0.network) }.map(\.description)
                let exceptText = inside.isEmpty ? "" : " ip \(direction) != { \(Self.disjoint(inside).joined(separator: ", ")) }"
                peerMatches.append("ip \(direction) \(cidr)\(exceptText)")
            }
        }
        let addresses = Set(peerPods.map(\.ip)).sorted()
        if !addresses.isEmpty { peerMatches.insert("ip \(direction) @\(Self.setName(addresses, in: &sets))", at: 0) }
        return Peers(matches: peerMatches, pods: peerPods)
    }

    /// The rules one policy rule allows, given its `peers`; named ports are looked up on the pod that
    /// receives the packet: `local` for ingress, each destination pod for egress (an ipBlock destination has
    /// no names, so a named port never matches it).
    func allow(_ rule: PolicyInfo.Rule, peers: Peers, local: PolicyPod, direction: String, verdict: String, pods: [PolicyPod]) -> [String] {
        let peerMatches = peers.matches, peerPods = peers.pods
        if peerMatches.isEmpty { return [] }

        var rules: [String] = []
        let numeric = rule.ports.filter { if case .named = $0.port { return false } else { return true } }
        let named = rule.ports.compactMap { p -> (String, String)? in if case .named(let n) = p.port { return (n, p.proto) } else { return nil } }
        let portMatches: [String?] = rule.ports.isEmpty ? [nil] : numeric.map { Self.portMatch($0) as String? }
        for peer in peerMatches {
            for port in portMatches {
                rules.append([peer, port, verdict].compactMap { $0 }.joined(separator: " "))
            }
        }
        // Named ports: one rule per pod that has the name (with the protocol the rule asks for).
        for (name, proto) in named {
            if direction == "saddr" {
                guard let np = local.namedPorts[name], np.proto == proto else { continue }
                for peer in peerMatches {
                    rules.append([peer, Self.portMatch(.init(proto: proto, port: .number(np.port), endPort: nil)), verdict].compactMap { $0 }.joined(separator: " "))
                }
            } else {
                let targets = (rule.peers.isEmpty ? pods : peerPods).filter { $0.namedPorts[name]?.proto == proto }
                for t in Set(targets).sorted(by: { $0.ip < $1.ip }) {
                    let np = t.namedPorts[name]!
                    rules.append("ip daddr \(t.ip) \(Self.portMatch(.init(proto: proto, port: .number(np.port), endPort: nil))) \(verdict)")
                }
            }
        }
        return rules
    }

    /// The name of the set holding exactly `addresses` (sorted), added to `sets` if new: `peers-` and a
    /// 64-bit FNV-1a hash of the list, so the same peers get the same name in every compile (the script
    /// stays the same when nothing changed), with a counter after it in the unlikely case of a collision.
    static func setName(_ addresses: [String], in sets: inout [String: [String]]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in addresses.joined(separator: ",").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let base = "peers-" + String(hash, radix: 36)
        var name = base, n = 0
        while let held = sets[name], held != addresses {
            n += 1
            name = "\(base)-\(n)"
        }
        sets[name] = addresses
        return name
    }

    static func portMatch(_ p: PolicyInfo.Port) -> String {
        let proto = p.proto.lowercased()
        guard case .number(let n) = p.port else { return "meta l4proto \(proto)" }
        if let end = p.endPort, end > n { return "meta l4proto \(proto) th dport \(n)-\(end)" }
        return "meta l4proto \(proto) th dport \(n)"
    }

    /// CIDRs as one nft set accepts them: none inside another.
    static func disjoint(_ ranges: [String]) -> [String] {
        let cidrs = Set(ranges.compactMap(IPv4CIDR.init))
        return cidrs.filter { c in !cidrs.contains { $0 != c && $0.prefixLength < c.prefixLength && $0.contains(c.network) } }
            .sorted { ($0.network, $0.prefixLength) < ($1.network, $1.prefixLength) }.map(\.description)
    }

    /// The transaction that turns the table `old` described into what `new` describes, touching only what
    /// differs (as the proxy's partial syncs do): new sets, then changed chains flushed and refilled, then
    /// the verdict maps' changed elements, and last the chains and sets nothing refers to any more (a chain
    /// is emptied before it is deleted). Assumes the table holds exactly `old`; after a failed apply the
    /// enforcer writes the whole table again.
    public func updateScript(from old: Output, to new: Output) -> String {
        let q = "ip \(table)"
        var lines: [String] = []
        for (name, addresses) in new.sets.sorted(by: { $0.key < $1.key }) where old.sets[name] != addresses {
            if old.sets[name] == nil {
                lines.append("add set \(q) \(name) { type ipv4_addr; elements = { \(addresses.joined(separator: ", ")) }; }")
            } else {
                lines.append("flush set \(q) \(name)")
                lines.append("add element \(q) \(name) { \(addresses.joined(separator: ", ")) }")
            }
        }
        let changed = new.chains.keys.sorted().filter { old.chains[$0] != new.chains[$0] }
        for c in changed where old.chains[c] == nil { lines.append("add chain \(q) \(c)") }
        for c in changed {
            if old.chains[c] != nil { lines.append("flush chain \(q) \(c)") }
            for r in new.chains[c]! { lines.append("add rule \(q) \(c) \(r)") }
        }
        for (map, before, after) in [("egress-pods", old.egressPods, new.egressPods), ("ingress-pods", old.ingressPods, new.ingressPods)] {
            let gone = before.keys.filter { after[$0] != before[$0] }.sorted()
            let added = after.filter { before[$0.key] != $0.value }.sorted { $0.key < $1.key }
            if !gone.isEmpty { lines.append("delete element \(q) \(map) { \(gone.joined(separator: ", ")) }") }
            if !added.isEmpty { lines.append("add element \(q) \(map) { \(added.map { "\($0.key) : \($0.value)" }.joined(separator: ", ")) }") }
        }
        for c in old.chains.keys.sorted() where new.chains[c] == nil {
            lines.append("flush chain \(q) \(c)")
            lines.append("delete chain \(q) \(c)")
        }
        for name in old.sets.keys.sorted() where new.sets[name] == nil { lines.append("delete set \(q) \(name)") }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The whole table, replaced in one transaction (add-then-delete makes the delete valid on a fresh
    /// node; the kernel applies all of it or none).
    public func script(_ o: Output) -> String {
        let q = "ip \(table)"
        var lines = [
            "add table \(q)", "delete table \(q)",
            "add table \(q) { comment \"skiff: NetworkPolicies of this node's pods\"; }",
            "add map \(q) ingress-pods { type ipv4_addr : verdict; }",
            "add map \(q) egress-pods { type ipv4_addr : verdict; }",
        ]
        for (name, addresses) in o.sets.sorted(by: { $0.key < $1.key }) {
            lines.append("add set \(q) \(name) { type ipv4_addr; elements = { \(addresses.joined(separator: ", ")) }; }")
        }
        for c in o.chains.keys.sorted() { lines.append("add chain \(q) \(c)") }
        for c in o.chains.keys.sorted() { for r in o.chains[c]! { lines.append("add rule \(q) \(c) \(r)") } }
        lines += [
            "add chain \(q) forward { type filter hook forward priority 0; policy accept; }",
            "add rule \(q) forward ct state established,related accept",
            "add rule \(q) forward ip saddr vmap @egress-pods",
            "add rule \(q) forward ip daddr vmap @ingress-pods",
            "add chain \(q) input { type filter hook input priority 0; policy accept; }",
            "add rule \(q) input ct state established,related accept",
            "add rule \(q) input ip saddr vmap @egress-pods",
        ]
        if !o.egressPods.isEmpty {
            lines.append("add element \(q) egress-pods { \(o.egressPods.sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" }.joined(separator: ", ")) }")
        }
        if !o.ingressPods.isEmpty {
            lines.append("add element \(q) ingress-pods { \(o.ingressPods.sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" }.joined(separator: ", ")) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
