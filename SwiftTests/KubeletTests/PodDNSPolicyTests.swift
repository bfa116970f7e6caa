import APIMachinery
import Testing
@testable import Kubelet

@Suite("PodDNSPolicy")
struct PodDNSPolicyTests {
    @Test func clusterFirstSearchesTheNamespaceFirst() {
        let pod: JSON = ["metadata": ["namespace": "shop"], "spec": [:]]
        let dns = PodDNSPolicy.resolve(pod: pod, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local")
        #expect(dns == PodDNS(servers: ["10.96.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], options: ["ndots:5"]))
    }

    @Test func hostNetworkFallsBackToTheNodeAndNoneUsesDNSConfig() {
        let host: JSON = ["metadata": [:], "spec": ["hostNetwork": true]]
        #expect(PodDNSPolicy.resolve(pod: host, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local") == nil)
        let none: JSON = ["metadata": [:], "spec": ["dnsPolicy": "None", "dnsConfig": ["nameservers": ["1.2.3.4"], "options": [["name": "ndots", "value": "2"]]]]]
        #expect(PodDNSPolicy.resolve(pod: none, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local")
                == PodDNS(servers: ["1.2.3.4"], searches: [], options: ["ndots:2"]))
    }
}
