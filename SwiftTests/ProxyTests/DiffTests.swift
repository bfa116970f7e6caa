import APIMachinery
import Testing

@testable import Proxy

@Suite struct DiffTests {
    let script = NFTScript()

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    @Test func noChangeIsNoCommand() {
        let (services, slices) = Fixtures.smallCluster()
        let r = Fixtures.ruleset(services: services, slices: slices)
        #expect(script.diff(from: r, to: r) == "")
    }

    @Test func changingOneEndpointTouchesOnlyThatServicesChains() throws {
        var (services, slices) = Fixtures.smallCluster()
        let before = Fixtures.ruleset(services: services, slices: slices)
        // web's 10.244.1.3 goes away and 10.244.1.4 arrives.
        slices[0] = Fixtures.slice("web-abc", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.244.1.4", true), ("10.244.0.5", true)])
        let after = Fixtures.ruleset(services: services, slices: slices)
        let diff = lines(script.diff(from: before, to: after))
        let web = ChainNames.serviceChain(ServicePortInfo(namespace: "default", name: "web", portName: "http", clusterIP: "10.96.0.10", port: 80))
        let sp = ServicePortInfo(namespace: "default", name: "web", portName: "http", clusterIP: "10.96.0.10", port: 80)
        let gone = ChainNames.endpointChain(sp, Endpoint(ip: "10.244.1.3", port: 8080))
        let new = ChainNames.endpointChain(sp, Endpoint(ip: "10.244.1.4", port: 8080))
        let kept = ChainNames.endpointChain(sp, Endpoint(ip: "10.244.0.5", port: 8080))
        #expect(diff == [
            "add chain ip skiff-proxy \(new)",
            "add rule ip skiff-proxy \(new) ip saddr 10.244.1.4 jump mark-for-masquerade",
            "add rule ip skiff-proxy \(new) meta l4proto tcp dnat to 10.244.1.4:8080",
            "flush chain ip skiff-proxy \(web)",
            "add rule ip skiff-proxy \(web) numgen random mod 2 vmap { 0 : goto \(kept), 1 : goto \(new) }",
            "flush chain ip skiff-proxy \(gone)",
            "delete chain ip skiff-proxy \(gone)",
        ])
        // Nothing of any other service, and no map element (the service-ips entry still points at web's chain).
        for l in diff { #expect(l.contains("default/web/tcp/http")) }
        #expect(!diff.contains { $0.contains("element") })
    }

    @Test func losingTheLastEndpointSwitchesToReject() {
        var (services, slices) = Fixtures.smallCluster()
        let before = Fixtures.ruleset(services: services, slices: slices)
        slices[1] = Fixtures.slice("np-abc", service: "np", ports: [("http", 80, "TCP")], endpoints: [("10.244.0.6", false)])
        let after = Fixtures.ruleset(services: services, slices: slices)
        let sp = ServicePortInfo(namespace: "default", name: "np", portName: "http", clusterIP: "10.96.0.11", port: 80, nodePort: 30080)
        let chain = ChainNames.serviceChain(sp), ep = ChainNames.endpointChain(sp, Endpoint(ip: "10.244.0.6", port: 80))
        let external = ChainNames.externalChain(sp)
        #expect(lines(script.diff(from: before, to: after)) == [
            "delete element ip skiff-proxy service-ips { 10.96.0.11 . tcp . 80 }",
            "delete element ip skiff-proxy service-nodeports { tcp . 30080 }",
            "add element ip skiff-proxy no-endpoint-nodeports { tcp . 30080 comment \"default/np:http\" : goto reject-chain }",
            "add element ip skiff-proxy no-endpoint-services { 10.96.0.11 . tcp . 80 comment \"default/np:http\" : goto reject-chain }",
            "flush chain ip skiff-proxy \(ep)",
            "flush chain ip skiff-proxy \(external)",
            "flush chain ip skiff-proxy \(chain)",
            "delete chain ip skiff-proxy \(ep)",
            "delete chain ip skiff-proxy \(external)",
            "delete chain ip skiff-proxy \(chain)",
        ])
        // And back: the reverse diff restores exactly the first state.
        let back = lines(script.diff(from: after, to: before))
        #expect(back.contains("delete element ip skiff-proxy no-endpoint-services { 10.96.0.11 . tcp . 80 }"))
        #expect(back.contains("add element ip skiff-proxy service-ips { 10.96.0.11 . tcp . 80 : goto \(chain) }"))
        #expect(back.first == "add chain ip skiff-proxy \(ep)" || back.first == "add chain ip skiff-proxy \(chain)")
    }

    @Test func affinityChangesAndServiceRemoval() {
        var (services, slices) = Fixtures.smallCluster()
        let before = Fixtures.ruleset(services: services, slices: slices)
        services[3] = Fixtures.service("sticky", clusterIP: "10.96.0.13", ports: [("", 8080, "TCP", nil)], affinityTimeout: 120)
        let longer = Fixtures.ruleset(services: services, slices: slices)
        let sp = ServicePortInfo(namespace: "default", name: "sticky", clusterIP: "10.96.0.13", port: 8080)
        let sets = ["10.244.0.7", "10.244.1.7"].map { ChainNames.affinitySet(sp, Endpoint(ip: $0, port: 8080)) }.sorted()
        // Only the timeout changed: the sets are re-declared in place, rules and clients' entries stay.
        #expect(lines(script.diff(from: before, to: longer)) == sets.map {
            "add set ip skiff-proxy \($0) { type ipv4_addr; flags dynamic,timeout; timeout 120s; }"
        })
        services.remove(at: 3)
        let removed = Fixtures.ruleset(services: services, slices: slices)
        let diff = lines(script.diff(from: longer, to: removed))
        #expect(diff.first == "delete element ip skiff-proxy service-ips { 10.96.0.13 . tcp . 8080 }")
        #expect(diff.contains("delete element ip skiff-proxy cluster-ips { 10.96.0.13 }"))
        #expect(Array(diff.suffix(2)) == sets.map { "delete set ip skiff-proxy \($0)" })
        #expect(diff.filter { $0.hasPrefix("delete chain") }.count == 3)
    }
}

@Suite struct ConntrackTests {
    @Test func staleUDPFlowsAreFlushed() {
        let (services, slices) = Fixtures.smallCluster()
        let before = Fixtures.ruleset(services: services, slices: slices)
        #expect(before.udpFlows == [UDPFlow(clusterIP: "10.96.0.12", endpointIP: "10.244.0.2")])
        var moved = slices
        moved[2] = Fixtures.slice("dns-abc", service: "dns", namespace: "kube-system", ports: [("dns", 53, "UDP")], endpoints: [("10.244.1.2", true)])
        let after = Fixtures.ruleset(services: services, slices: moved)
        #expect(UDPFlow.staleFilters(old: before.udpFlows, new: after.udpFlows) == [["-p", "udp", "--orig-dst", "10.96.0.12", "--dst-nat", "10.244.0.2"]])
        // A UDP service that had no endpoint gets one: entries for its IP go.
        #expect(UDPFlow.staleFilters(old: [], new: after.udpFlows) == [["-p", "udp", "--orig-dst", "10.96.0.12"]])
        #expect(UDPFlow.staleFilters(old: after.udpFlows, new: after.udpFlows).isEmpty)
    }
}
