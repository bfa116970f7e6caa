import APIMachinery
import Foundation
import Synchronization
import Testing

@testable import Proxy

/// LoadBalancer Services: the ingress addresses in the maps, both external traffic policies,
/// `loadBalancerSourceRanges`, and which addresses a node announces.
@Suite struct LoadBalancerRulesTests {
    static func lb(
        _ name: String = "lb", ips: [(ip: String, mode: String?)] = [("172.31.0.129", "VIP")], local: Bool = false,
        ranges: [String]? = nil, nodePort: Int = 30100
    ) -> JSON {
        var s = Fixtures.service(name, clusterIP: "10.96.0.50", type: "LoadBalancer", ports: [("http", 80, "TCP", nodePort)])
        s[path: ["spec", "externalTrafficPolicy"]] = .string(local ? "Local" : "Cluster")
        if let ranges { s[path: ["spec", "loadBalancerSourceRanges"]] = .array(ranges.map { .string($0) }) }
        s[path: ["status", "loadBalancer", "ingress"]] = .array(ips.map { i in
            var o: JSON = ["ip": .string(i.ip)]
            if let m = i.mode { o["ipMode"] = .string(m) }
            return o
        })
        return s
    }

    /// Endpoints with their nodes: 10.244.0.x on node-a, 10.244.1.x on node-b.
    static func slice(_ ips: [String], service: String = "lb") -> JSON {
        var s = Fixtures.slice("\(service)-abc", service: service, ports: [("http", 8080, "TCP")], endpoints: ips.map { ($0, true) })
        s["endpoints"] = .array((s["endpoints"]?.array ?? []).map { e in
            var e = e
            let ip = e["addresses"]?.array?.first?.string ?? ""
            e["nodeName"] = .string(ip.hasPrefix("10.244.0.") ? "node-a" : "node-b")
            return e
        })
        return s
    }

    func build(_ services: [JSON], _ slices: [JSON], node: String = "node-a") -> Ruleset {
        RulesetBuilder(nodeName: node, clusterCIDR: "10.244.0.0/16").build(
            servicePorts: services.flatMap(ServicePortInfo.from(service:)), slices: slices.compactMap(EndpointSliceInfo.from(slice:)))
    }

    @Test func decodingTakesVIPAddressesRangesAndPolicy() {
        let s = Self.lb(ips: [("172.31.0.129", "VIP"), ("172.31.0.130", nil), ("172.31.0.131", "Proxy"), ("fd00::1", "VIP"), ("lb.example.com", nil)],
                        local: true, ranges: [" 10.0.0.0/8 ", "2001:db8::/32", "192.168.1.7/24"])
        let sp = ServicePortInfo.from(service: s)[0]
        #expect(sp.loadBalancerIPs == ["172.31.0.129", "172.31.0.130"])
        #expect(sp.externalPolicyLocal)
        #expect(sp.sourceRanges == ["10.0.0.0/8", "192.168.1.0/24"])
        #expect(sp.nodePort == 30100)
        // The same fields on a NodePort Service mean nothing to the proxy's load-balancer rules.
        var np = s
        np[path: ["spec", "type"]] = "NodePort"
        let npInfo = ServicePortInfo.from(service: np)[0]
        #expect(npInfo.loadBalancerIPs.isEmpty && npInfo.sourceRanges.isEmpty && npInfo.externalPolicyLocal)
    }

    @Test func clusterPolicyMasqueradesAndEveryNodeAnnounces() {
        let r = build([Self.lb()], [Self.slice(["10.244.1.5"])])
        let sp = ServicePortInfo.from(service: Self.lb())[0]
        let external = ChainNames.externalChain(sp)
        #expect(r.elements(.serviceIPs)["172.31.0.129 . tcp . 80"]?.verdict == "goto \(external)")
        #expect(r.elements(.serviceIPs)["10.96.0.50 . tcp . 80"]?.verdict == "goto \(ChainNames.serviceChain(sp))")
        #expect(r.elements(.serviceNodePorts)["tcp . 30100"]?.verdict == "goto \(external)")
        #expect(r.chains[external] == ["jump mark-for-masquerade", "goto \(ChainNames.serviceChain(sp))"])
        #expect(r.announcedAddresses == ["172.31.0.129"])
        #expect(r.elements(.firewallIPs).isEmpty)
    }

    @Test func proxyModeAddressesAreLeftToTheirBalancer() {
        let r = build([Self.lb(ips: [("172.31.0.140", "Proxy")])], [Self.slice(["10.244.0.5"])])
        #expect(r.elements(.serviceIPs).keys.sorted() == ["10.96.0.50 . tcp . 80"])
        #expect(r.announcedAddresses.isEmpty)
    }

    @Test func localPolicyUsesOnlyThisNodesEndpointsAndKeepsTheClient() {
        let svc = Self.lb(local: true)
        let sp = ServicePortInfo.from(service: svc)[0]
        let slice = Self.slice(["10.244.0.5", "10.244.1.5", "10.244.1.6"])
        let onA = build([svc], [slice], node: "node-a")
        let service = ChainNames.serviceChain(sp), local = ChainNames.localChain(sp)
        #expect(onA.chains[ChainNames.externalChain(sp)] == [
            "ip saddr 10.244.0.0/16 goto \(service)",
            "fib saddr type local jump mark-for-masquerade",
            "fib saddr type local goto \(service)",
            "goto \(local)",
        ])
        let epA = ChainNames.endpointChain(sp, Endpoint(ip: "10.244.0.5", port: 8080))
        #expect(onA.chains[local] == ["numgen random mod 1 vmap { 0 : goto \(epA) }"])
        // The ClusterIP still balances over every endpoint.
        #expect(onA.chains[service]?.last?.hasPrefix("numgen random mod 3 ") == true)
        #expect(onA.announcedAddresses == ["172.31.0.129"])

        // node-c has no endpoint: it drops external traffic and does not answer for the address.
        let onC = build([svc], [slice], node: "node-c")
        #expect(onC.chains[local] == [#"drop comment "default/lb:http has no local endpoints""#])
        #expect(onC.announcedAddresses.isEmpty)
    }

    @Test func withNoEndpointAnywhereEveryNodeRefuses() {
        let r = build([Self.lb(local: true)], [Self.slice([])], node: "node-c")
        #expect(r.elements(.noEndpointServices)["172.31.0.129 . tcp . 80"]?.verdict == "goto reject-chain")
        #expect(r.elements(.noEndpointNodePorts)["tcp . 30100"]?.verdict == "goto reject-chain")
        #expect(r.elements(.serviceIPs).isEmpty)
        #expect(r.announcedAddresses == ["172.31.0.129"])
    }

    @Test func sourceRangesDropOtherClientsBeforeDNAT() {
        let svc = Self.lb(ips: [("172.31.0.129", "VIP"), ("172.31.0.130", "VIP")], ranges: ["172.31.0.0/30", "172.31.0.1/32", "10.0.0.0/8", "10.1.0.0/16"])
        let sp = ServicePortInfo.from(service: svc)[0]
        let r = build([svc], [Self.slice(["10.244.0.5"])])
        let firewall = ChainNames.firewallChain(sp)
        // Nested and repeated ranges collapse: nft refuses overlapping intervals in one set.
        #expect(r.chains[firewall] == ["ip saddr != { 10.0.0.0/8, 172.31.0.0/30 } drop"])
        #expect(r.elements(.firewallIPs).mapValues(\.verdict) == [
            "172.31.0.129 . tcp . 80": "goto \(firewall)", "172.31.0.130 . tcp . 80": "goto \(firewall)",
        ])
        let script = NFTScript().full(r)
        #expect(script.contains("add map ip skiff-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict;"))
        #expect(script.contains("add rule ip skiff-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips"))
        #expect(script.contains("add chain ip skiff-proxy filter-prerouting { type filter hook prerouting priority -110; policy accept; }"))
        #expect(script.contains("add rule ip skiff-proxy filter-prerouting ct state new jump firewall-check"))
        // Without ranges the same Service has no firewall.
        let open = build([Self.lb(ips: [("172.31.0.129", "VIP")], ranges: [])], [Self.slice(["10.244.0.5"])])
        #expect(open.elements(.firewallIPs).isEmpty && !open.chains.keys.contains { $0.hasPrefix("firewall-") })
    }

    @Test func staleFirewallAndLocalChainsAreCollected() {
        #expect(ChainNames.isServiceOrEndpointChain("firewall-ABCDEFGH-default/lb/tcp/http"))
        #expect(ChainNames.isServiceOrEndpointChain("local-ABCDEFGH-default/lb/tcp/http"))
        #expect(!ChainNames.isServiceOrEndpointChain("firewall-check"))
        let before = build([Self.lb(local: true, ranges: ["10.0.0.0/8"])], [Self.slice(["10.244.0.5"])])
        let after = build([], [])
        let diff = NFTScript().diff(from: before, to: after)
        let sp = ServicePortInfo.from(service: Self.lb(local: true))[0]
        #expect(diff.contains("delete chain ip skiff-proxy \(ChainNames.firewallChain(sp))"))
        #expect(diff.contains("delete chain ip skiff-proxy \(ChainNames.localChain(sp))"))
        #expect(diff.contains("delete element ip skiff-proxy firewall-ips { 172.31.0.129 . tcp . 80 }"))
    }

    @Test func theProxierAnnouncesWhatThisNodeServesAndFollowsEndpointMoves() async throws {
        let exec = RecordingExecutor(), announcer = RecordingAnnouncer()
        var options = ProxierOptions()
        options.nodeName = "node-b"
        let p = Proxier(options: options, executor: exec, announcer: announcer)
        p.state.updateService(Self.lb(local: true))
        p.state.updateEndpointSlice(Self.slice(["10.244.0.5"]), timed: false)
        p.state.markServicesSynced()
        p.state.markEndpointSlicesSynced()
        try await p.syncOnce()
        // The endpoint is on node-a: node-b stays quiet (told once, on the full sync).
        #expect(announcer.calls == [[]])
        p.state.updateEndpointSlice(Self.slice(["10.244.0.5", "10.244.1.9"]))
        try await p.syncOnce()
        #expect(announcer.calls == [[], ["172.31.0.129"]])
        try await p.syncOnce()
        #expect(announcer.calls.count == 2)
        p.state.deleteService(key: "default/lb")
        try await p.syncOnce()
        #expect(announcer.calls.last == [])
    }

    @Test func announcerPlansAndReadsIPJSON() {
        let plan = InterfaceAddressAnnouncer.changes(current: ["172.31.0.129", "172.31.0.200"], wanted: ["172.31.0.130", "172.31.0.129", "172.31.0.9"])
        #expect(plan.add == ["172.31.0.9", "172.31.0.130"] && plan.remove == ["172.31.0.200"])
        let json = #"[{"ifindex":5,"ifname":"skiff-lb","addr_info":[{"family":"inet","local":"172.31.0.129","prefixlen":32},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]"#
        #expect(InterfaceAddressAnnouncer.addresses(inIPJSON: Data(json.utf8)) == ["172.31.0.129"])
        #expect(InterfaceAddressAnnouncer(netns: "skiff-x").ip(["addr"]) == ["ip", "-n", "skiff-x", "addr"])
    }
}

/// Keeps every announced set instead of touching interfaces.
final class RecordingAnnouncer: AddressAnnouncer {
    let log = Mutex<[Set<String>]>([])
    func announce(_ addresses: Set<String>) async throws { log.withLock { $0.append(addresses) } }
    var calls: [Set<String>] { log.withLock { $0 } }
}
