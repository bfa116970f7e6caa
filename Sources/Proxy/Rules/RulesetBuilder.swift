/// Computes the desired `Ruleset` from Services and EndpointSlices: upstream's `syncProxyRules` rule
/// writing, reduced to what this proxy does (ClusterIP and NodePort, cluster traffic policy, ClientIP
/// affinity, hairpin masquerade, reject when nothing is ready). Pure: same input, same output.
public struct RulesetBuilder: Sendable {
    public var layout: TableLayout

    public init(layout: TableLayout = TableLayout()) {
        self.layout = layout
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
            add(sp, endpoints: Self.endpoints(for: sp, in: byService[sp.serviceKey] ?? []), to: &r)
        }
        return r
    }

    /// Adds one service port's chains, sets and map elements.
    public func add(_ sp: ServicePortInfo, endpoints: [Endpoint], to r: inout Ruleset) {
        let proto = sp.proto.rawValue
        let ipKey = "\(sp.clusterIP) . \(proto) . \(sp.port)"
        let nodePortKey = sp.nodePort.map { "\(proto) . \($0)" }
        r.clusterIPs.insert(sp.clusterIP)
        guard !endpoints.isEmpty else {
            // Nothing ready: refuse at once instead of letting connections hang in SYN_SENT.
            let reject = MapElement(verdict: "goto \(TableLayout.rejectChain)", comment: sp.displayName)
            r.maps[.noEndpointServices, default: [:]][ipKey] = reject
            if let nodePortKey { r.maps[.noEndpointNodePorts, default: [:]][nodePortKey] = reject }
            return
        }
        let serviceChain = ChainNames.serviceChain(sp)
        r.maps[.serviceIPs, default: [:]][ipKey] = MapElement(verdict: "goto \(serviceChain)")
        if let nodePortKey {
            // A NodePort's endpoint may sit on another node, whose reply would go straight back to the client
            // and be dropped there for coming from the wrong address: NodePort traffic is masqueraded to this
            // node's address (only inside the cluster's own namespaces; nothing here routes off the machine).
            let external = ChainNames.externalChain(sp)
            r.chains[external] = ["jump \(TableLayout.markMasqChain)", "goto \(serviceChain)"]
            r.maps[.serviceNodePorts, default: [:]][nodePortKey] = MapElement(verdict: "goto \(external)")
        }

        var serviceRules: [String] = []
        if let timeout = sp.affinityTimeoutSeconds {
            // A client seen recently goes back to the endpoint it had; the sets forget it after `timeout`.
            for ep in endpoints {
                let set = ChainNames.affinitySet(sp, ep)
                r.affinitySets[set] = timeout
                serviceRules.append("ip saddr @\(set) goto \(ChainNames.endpointChain(sp, ep))")
            }
        }
        let choices = endpoints.enumerated().map { "\($0.offset) : goto \(ChainNames.endpointChain(sp, $0.element))" }
        serviceRules.append("numgen random mod \(endpoints.count) vmap { \(choices.joined(separator: ", ")) }")
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
}
