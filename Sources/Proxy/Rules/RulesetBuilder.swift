import APIMachinery

/// Computes the desired `Ruleset` from Services and EndpointSlices: upstream's `syncProxyRules` rule
/// writing, reduced to what this proxy does (ClusterIP, NodePort and load-balancer IPs, both external
/// traffic policies, `loadBalancerSourceRanges`, ClientIP affinity, hairpin masquerade, reject when nothing
/// is ready). Pure: same input, same output.
public struct RulesetBuilder: Sendable {
    public var layout: TableLayout
    /// This node's name: endpoints whose `nodeName` is this one are its local endpoints.
    public var nodeName: String?
    /// The pod range: pods reaching an `externalTrafficPolicy: Local` service's external address are sent
    /// to any endpoint (upstream's "short-circuit"), not only this node's.
    public var clusterCIDR: String?

    public init(layout: TableLayout = TableLayout(), nodeName: String? = nil, clusterCIDR: String? = nil) {
        self.layout = layout
        self.nodeName = nodeName
        self.clusterCIDR = clusterCIDR.flatMap { IPv4CIDR($0)?.description }
    }

    /// The endpoints among `endpoints` that run on this node.
    public func localEndpoints(_ endpoints: [Endpoint], for sp: ServicePortInfo, in slices: [EndpointSliceInfo]) -> [Endpoint] {
        guard let nodeName else { return [] }
        var local = Set<String>()
        for slice in slices where slice.serviceKey == sp.serviceKey {
            for (ip, node) in slice.nodeNames where node == nodeName { local.insert(ip) }
        }
        return endpoints.filter { local.contains($0.ip) }
    }

    /// Source ranges as an nft anonymous set may hold them: no duplicates and no range inside another
    /// (nft refuses overlapping intervals; two CIDRs either nest or are apart, so this is enough).
    static func disjoint(_ ranges: [String]) -> [String] {
        let cidrs = Set(ranges.compactMap(IPv4CIDR.init))
        let kept = cidrs.filter { c in !cidrs.contains { $0 != c && $0.prefixLength < c.prefixLength && $0.contains(c.network) } }
        return kept.sorted { ($0.network, $0.prefixLength) < ($1.network, $1.prefixLength) }.map(\.description)
    }

    /// The ready endpoints of each service port, merged over the Service's slices, sorted, without duplicates.
    public static func endpoints(for sp: ServicePortInfo, in slices: [EndpointSliceInfo]) -> [Endpoint] {
        var out = Set<Endpoint>()
        for slice in slices where slice.serviceKey == sp.serviceKey {
            for p in slice.ports where p.name == sp.portName && p.proto == sp.proto {
                for a in slice.readyAddresses { out.insert(Endpoint(ip: a, port: p.port)) }
            }
        }
        return out.sorted()
    }

    public func build(servicePorts: [ServicePortInfo], slices: [EndpointSliceInfo]) -> Ruleset {
        var byService: [String: [EndpointSliceInfo]] = [:]
        for s in slices { byService[s.serviceKey, default: []].append(s) }
        var r = Ruleset()
        for sp in servicePorts.sorted() {
            let slices = byService[sp.serviceKey] ?? []
            let endpoints = Self.endpoints(for: sp, in: slices)
            add(sp, endpoints: endpoints, localEndpoints: localEndpoints(endpoints, for: sp, in: slices), to: &r)
        }
        return r
    }

    /// Adds one service port's chains, sets and map elements. `localEndpoints` (this node's share of
    /// `endpoints`) matter only under `externalTrafficPolicy: Local`.
    public func add(_ sp: ServicePortInfo, endpoints: [Endpoint], localEndpoints: [Endpoint] = [], to r: inout Ruleset) {
        let proto = sp.proto.rawValue
        let ipKey = "\(sp.clusterIP) . \(proto) . \(sp.port)"
        let nodePortKey = sp.nodePort.map { "\(proto) . \($0)" }
        let lbKeys = sp.loadBalancerIPs.map { "\($0) . \(proto) . \(sp.port)" }
        r.clusterIPs.insert(sp.clusterIP)

        // This node answers for a load-balancer address when it can serve it: always under the Cluster
        // policy, under Local only with an endpoint here — or when there is none anywhere, so that the
        // client is refused at once rather than left waiting for an address nobody answers for.
        if !sp.externalPolicyLocal || endpoints.isEmpty || !localEndpoints.isEmpty {
            r.announcedAddresses.formUnion(sp.loadBalancerIPs)
        }
        let ranges = Self.disjoint(sp.sourceRanges)
        if !ranges.isEmpty && !lbKeys.isEmpty {
            // Checked before DNAT, on new connections only, like upstream's firewall chains.
            let firewall = ChainNames.firewallChain(sp)
            r.chains[firewall] = ["ip saddr != { \(ranges.joined(separator: ", ")) } drop"]
            for k in lbKeys { r.maps[.firewallIPs, default: [:]][k] = MapElement(verdict: "goto \(firewall)", comment: sp.displayName) }
        }

        guard !endpoints.isEmpty else {
            // Nothing ready: refuse at once instead of letting connections hang in SYN_SENT.
            let reject = MapElement(verdict: "goto \(TableLayout.rejectChain)", comment: sp.displayName)
            r.maps[.noEndpointServices, default: [:]][ipKey] = reject
            for k in lbKeys { r.maps[.noEndpointServices, default: [:]][k] = reject }
            if let nodePortKey { r.maps[.noEndpointNodePorts, default: [:]][nodePortKey] = reject }
            return
        }
        let serviceChain = ChainNames.serviceChain(sp)
        r.maps[.serviceIPs, default: [:]][ipKey] = MapElement(verdict: "goto \(serviceChain)")
        if sp.hasExternalTraffic {
            let external = ChainNames.externalChain(sp)
            if sp.externalPolicyLocal {
                // Local: the client's address is kept, so only this node's endpoints can answer it (their
                // replies leave through this node and are un-NATed here). Pods and this node's own processes
                // are not external clients: they may use any endpoint, as upstream lets them.
                let local = ChainNames.localChain(sp)
                var rules: [String] = []
                if let clusterCIDR { rules.append("ip saddr \(clusterCIDR) goto \(serviceChain)") }
                rules += ["fib saddr type local jump \(TableLayout.markMasqChain)", "fib saddr type local goto \(serviceChain)", "goto \(local)"]
                r.chains[external] = rules
                let localRules = localEndpoints.isEmpty
                    ? ["drop comment \"\(NFTScript.quoteSafe(sp.displayName)) has no local endpoints\""]
                    : balance(sp, localEndpoints, r: &r)
                r.chains[local] = localRules
            } else {
                // An endpoint may sit on another node, whose reply would go straight back to the client and be
                // dropped there for coming from the wrong address: external traffic is masqueraded to this
                // node's address (only inside the cluster's own namespaces; nothing here routes off the machine).
                r.chains[external] = ["jump \(TableLayout.markMasqChain)", "goto \(serviceChain)"]
            }
            if let nodePortKey { r.maps[.serviceNodePorts, default: [:]][nodePortKey] = MapElement(verdict: "goto \(external)") }
            for k in lbKeys { r.maps[.serviceIPs, default: [:]][k] = MapElement(verdict: "goto \(external)", comment: sp.displayName) }
        }
        let serviceRules = balance(sp, endpoints, r: &r)
        r.chains[serviceChain] = serviceRules

        if sp.proto == .udp {
            for ep in endpoints { r.udpFlows.insert(UDPFlow(clusterIP: sp.clusterIP, nodePort: sp.nodePort, endpointIP: ep.ip)) }
        }
        for ep in endpoints {
            var rules = [
                // Hairpin: a pod reaching itself through its Service would otherwise answer itself directly
                // and drop the reply; only this traffic is masqueraded (to the node's address on that link).
                "ip saddr \(ep.ip) jump \(TableLayout.markMasqChain)"
            ]
            if sp.affinityTimeoutSeconds != nil {
                rules.append("update @\(ChainNames.affinitySet(sp, ep)) { ip saddr }")
            }
            rules.append("meta l4proto \(proto) dnat to \(ep.ip):\(ep.port)")
            r.chains[ChainNames.endpointChain(sp, ep)] = rules
        }
    }

    /// The rules that pick one of `endpoints`: the affinity lookups, then a random choice.
    func balance(_ sp: ServicePortInfo, _ endpoints: [Endpoint], r: inout Ruleset) -> [String] {
        var rules: [String] = []
        if let timeout = sp.affinityTimeoutSeconds {
            // A client seen recently goes back to the endpoint it had; the sets forget it after `timeout`.
            for ep in endpoints {
                let set = ChainNames.affinitySet(sp, ep)
                r.affinitySets[set] = timeout
                rules.append("ip saddr @\(set) goto \(ChainNames.endpointChain(sp, ep))")
            }
        }
        let choices = endpoints.enumerated().map { "\($0.offset) : goto \(ChainNames.endpointChain(sp, $0.element))" }
        rules.append("numgen random mod \(endpoints.count) vmap { \(choices.joined(separator: ", ")) }")
        return rules
    }
}
