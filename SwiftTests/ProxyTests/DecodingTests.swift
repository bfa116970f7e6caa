import APIMachinery
import Testing

@testable import Proxy

@Suite struct DecodingTests {
    @Test func servicePortsOfEachType() {
        let np = ServicePortInfo.from(service: Fixtures.service(
            "np", clusterIP: "10.96.0.11", type: "NodePort", ports: [("http", 80, "TCP", 30080), ("dns", 53, "UDP", 30053)], affinityTimeout: 30))
        #expect(np == [
            ServicePortInfo(namespace: "default", name: "np", portName: "http", proto: .tcp, clusterIP: "10.96.0.11", port: 80, nodePort: 30080, affinityTimeoutSeconds: 30),
            ServicePortInfo(namespace: "default", name: "np", portName: "dns", proto: .udp, clusterIP: "10.96.0.11", port: 53, nodePort: 30053, affinityTimeoutSeconds: 30),
        ])
        // A ClusterIP service keeps no nodePort even if one is (wrongly) present.
        let cip = ServicePortInfo.from(service: Fixtures.service("c", clusterIP: "10.96.0.1", ports: [("", 443, "TCP", 30443)]))
        #expect(cip.map(\.nodePort) == [nil])
        #expect(cip.map(\.affinityTimeoutSeconds) == [nil])
        #expect(ServicePortInfo.from(service: Fixtures.service("h", clusterIP: "None", ports: [("", 80, "TCP", nil)])).isEmpty)
        #expect(ServicePortInfo.from(service: Fixtures.service("v6", clusterIP: "fd00::1", ports: [("", 80, "TCP", nil)])).isEmpty)
        var ext = Fixtures.service("x", clusterIP: "10.96.0.2", type: "ExternalName", ports: [("", 80, "TCP", nil)])
        #expect(ServicePortInfo.from(service: ext).isEmpty)
        ext[path: ["spec", "type"]] = "ClusterIP"
        ext[path: ["spec", "sessionAffinity"]] = "ClientIP"
        #expect(ServicePortInfo.from(service: ext).first?.affinityTimeoutSeconds == ServicePortInfo.defaultAffinityTimeout)
    }

    @Test func onlyReadyEndpointsAndTheMatchingPort() throws {
        let slice = Fixtures.slice(
            "web-1", service: "web", ports: [("http", 8080, "TCP"), ("metrics", 9090, "TCP")],
            endpoints: [("10.244.0.5", true), ("10.244.0.6", nil), ("10.244.0.7", false)])
        let info = try #require(EndpointSliceInfo.from(slice: slice))
        #expect(info.serviceKey == "default/web")
        #expect(info.readyAddresses == ["10.244.0.5", "10.244.0.6"])
        let sp = ServicePortInfo(namespace: "default", name: "web", portName: "http", clusterIP: "10.96.0.10", port: 80)
        let other = EndpointSliceInfo(serviceKey: "default/web", ports: [.init(name: "http", port: 8080)], readyAddresses: ["10.244.0.6", "10.244.1.1"])
        #expect(RulesetBuilder.endpoints(for: sp, in: [info, other]).map(\.description) == ["10.244.0.5:8080", "10.244.0.6:8080", "10.244.1.1:8080"])
        var udp = sp
        udp.proto = .udp
        #expect(RulesetBuilder.endpoints(for: udp, in: [info]).isEmpty)
        var noService = slice
        noService[path: ["metadata", "labels"]] = [:]
        #expect(EndpointSliceInfo.from(slice: noService) == nil)
    }

    @Test func chainNamesAreStableReadableAndBounded() {
        let sp = ServicePortInfo(namespace: "ns1", name: "svc1", portName: "p80", clusterIP: "10.96.0.1", port: 80)
        let name = ChainNames.serviceChain(sp)
        #expect(name.hasPrefix("service-") && name.hasSuffix("-ns1/svc1/tcp/p80"))
        #expect(name == ChainNames.serviceChain(sp))
        #expect(ChainNames.endpointChain(sp, Endpoint(ip: "10.0.0.1", port: 80)) != ChainNames.endpointChain(sp, Endpoint(ip: "10.0.0.1", port: 8080)))
        let long = ServicePortInfo(
            namespace: String(repeating: "n", count: 63), name: String(repeating: "s", count: 63), portName: String(repeating: "p", count: 63),
            clusterIP: "10.96.0.1", port: 80)
        let ep = ChainNames.endpointChain(long, Endpoint(ip: "10.244.255.255", port: 65535))
        #expect(ep.utf8.count <= 255)
        #expect(ChainNames.isServiceOrEndpointChain(ep))
        #expect(!ChainNames.isServiceOrEndpointChain("services"))
        #expect(IPv4.isValid("10.96.0.1") && !IPv4.isValid("10.96.0") && !IPv4.isValid("10.96.0.256") && !IPv4.isValid("fd00::1"))
    }
}
