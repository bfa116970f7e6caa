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

    /// The table's chains (name → rules) and the two verdict maps (pod IP → verdict).
    public struct Output: Sendable, Equatable {
        public var chains: [String: [String]] = [:]
        public var ingressPods: [String: String] = [:]
        public var egressPods: [String: String] = [:]
    }

    public func compile(policies: [PolicyInfo], pods: [PolicyPod], namespaces: [String: [String: String]]) -> Output {
        var out = Output()
        let byNamespace = Dictionary(grouping: policies, by: \.namespace)
        for pod in pods.sorted(by: { $0.ip < $1.ip }) where pod.nodeName == nodeName {
            let selecting = (byNamespace[pod.namespace] ?? []).filter { $0.selects(pod) }.sorted { $0.name < $1.name }
            let ingress = selecting.filter(\.isolatesIngress), egress = selecting.filter(\.isolatesEgress)
            if !ingress.isEmpty {
                let chain = "ingress-\(pod.ip)"
                var rules: [String] = []
                for policy in ingress {
                    for rule in policy.ingress {
                        rules += allow(rule, policy: policy, local: pod, direction: "saddr", verdict: "accept", pods: pods, namespaces: namespaces)
                    }
                }
                out.chains[chain] = rules + ["drop comment \"\(pod.namespace)/\(pod.name): ingress not allowed\""]
                out.ingressPods[pod.ip] = "goto \(chain)"
            }
            if !egress.isEmpty {
                let chain = "egress-\(pod.ip)"
                var rules: [String] = []
                for policy in egress {
                    for rule in policy.egress {
                        rules += allow(rule, policy: policy, local: pod, direction: "daddr", verdict: "return", pods: pods, namespaces: namespaces)
                    }
                }
                out.chains[chain] = rules + ["drop comment \"\(pod.namespace)/\(pod.name): egress not allowed\""]
                out.egressPods[pod.ip] = "jump \(chain)"
            }
        }
        return out
    }

    /// The rules one policy rule allows. `direction` is the peer's side (`saddr` for ingress, `daddr` for
    /// egress); named ports are looked up on the pod that receives the packet: `local` for ingress, each
    /// destination pod for egress (an ipBlock destination has no names, so a named port never matches it).
    func allow(_ rule: PolicyInfo.Rule, policy: PolicyInfo, local: PolicyPod, direction: String, verdict: String,
               pods: [PolicyPod], namespaces: [String: [String: String]]) -> [String] {
        // Peer matches: nil means any peer. Pod peers become one address set.
        var peerMatches: [String?] = []
        var peerPods: [PolicyPod] = []
        if rule.peers.isEmpty {
            peerMatches = [nil]
            peerPods = pods
        } else {
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
            if !addresses.isEmpty { peerMatches.insert("ip \(direction) { \(addresses.joined(separator: ", ")) }", at: 0) }
        }
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
