import Testing

@testable import Proxy

/// The whole transaction a full sync writes for a small cluster: one ClusterIP service with two ready
/// endpoints (and one not ready), a NodePort, a UDP service, ClientIP affinity, and a NodePort service with
/// no ready endpoint. Every endpoint chain starts with the hairpin rule.
@Suite struct GoldenTests {
    @Test func fullSyncOfASmallCluster() {
        let (services, slices) = Fixtures.smallCluster()
        let text = NFTScript().full(Fixtures.ruleset(services: services, slices: slices))
        if text != Self.golden {
            print("---- actual ----\n" + text + "---- end ----")
            let a = text.split(separator: "\n"), g = Self.golden.split(separator: "\n")
            for (i, (x, y)) in zip(a, g).enumerated() where x != y {
                Issue.record("line \(i + 1) differs:\n  actual: \(x)\n  golden: \(y)")
                break
            }
        }
        #expect(text == Self.golden)
    }

    @Test func fullSyncDeletesStaleObjectsOnlyAfterEmptyingThem() {
        let (services, slices) = Fixtures.smallCluster()
        let stale = ExistingObjects(
            chains: ["services", "service-AAAAAAAA-old/gone/tcp/http", "endpoint-AAAAAAAA-old/gone/tcp/http__10.0.0.1/80", "someone-elses"],
            sets: ["affinity-AAAAAAAA-old/gone/tcp/http__10.0.0.1/80", "cluster-ips"])
        let lines = NFTScript().full(Fixtures.ruleset(services: services, slices: slices), existing: stale).split(separator: "\n").map(String.init)
        let flushOld = lines.firstIndex(of: "flush chain ip skiff-proxy service-AAAAAAAA-old/gone/tcp/http")!
        let deleteOld = lines.firstIndex(of: "delete chain ip skiff-proxy service-AAAAAAAA-old/gone/tcp/http")!
        let deleteEp = lines.firstIndex(of: "delete chain ip skiff-proxy endpoint-AAAAAAAA-old/gone/tcp/http__10.0.0.1/80")!
        #expect(flushOld < deleteOld && flushOld < deleteEp)
        #expect(lines.last == "delete set ip skiff-proxy affinity-AAAAAAAA-old/gone/tcp/http__10.0.0.1/80")
        #expect(!lines.contains { $0.contains("someone-elses") || $0 == "delete chain ip skiff-proxy services" || $0 == "delete set ip skiff-proxy cluster-ips" })
    }

    static let golden = """
        add table ip skiff-proxy { comment "skiff proxy: Services and EndpointSlices"; }
        add map ip skiff-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment "destinations that are subject to LoadBalancerSourceRanges"; }
        flush map ip skiff-proxy firewall-ips
        add map ip skiff-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict; comment "vmap to reject packets to service nodeports with no endpoints"; }
        flush map ip skiff-proxy no-endpoint-nodeports
        add map ip skiff-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; comment "vmap to reject packets to services with no endpoints"; }
        flush map ip skiff-proxy no-endpoint-services
        add map ip skiff-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment "ClusterIP traffic"; }
        flush map ip skiff-proxy service-ips
        add map ip skiff-proxy service-nodeports { type inet_proto . inet_service : verdict; comment "NodePort traffic"; }
        flush map ip skiff-proxy service-nodeports
        add set ip skiff-proxy cluster-ips { type ipv4_addr; comment "every ClusterIP"; }
        flush set ip skiff-proxy cluster-ips
        add chain ip skiff-proxy reject-chain
        flush chain ip skiff-proxy reject-chain
        add chain ip skiff-proxy mark-for-masquerade
        flush chain ip skiff-proxy mark-for-masquerade
        add chain ip skiff-proxy masquerading
        flush chain ip skiff-proxy masquerading
        add chain ip skiff-proxy services
        flush chain ip skiff-proxy services
        add chain ip skiff-proxy endpoints-check
        flush chain ip skiff-proxy endpoints-check
        add chain ip skiff-proxy cluster-ips-check
        flush chain ip skiff-proxy cluster-ips-check
        add chain ip skiff-proxy firewall-check
        flush chain ip skiff-proxy firewall-check
        add chain ip skiff-proxy filter-prerouting { type filter hook prerouting priority -110; policy accept; }
        flush chain ip skiff-proxy filter-prerouting
        add chain ip skiff-proxy filter-input { type filter hook input priority -110; policy accept; }
        flush chain ip skiff-proxy filter-input
        add chain ip skiff-proxy filter-forward { type filter hook forward priority -110; policy accept; }
        flush chain ip skiff-proxy filter-forward
        add chain ip skiff-proxy filter-output { type filter hook output priority -110; policy accept; }
        flush chain ip skiff-proxy filter-output
        add chain ip skiff-proxy filter-output-post-dnat { type filter hook output priority -90; policy accept; }
        flush chain ip skiff-proxy filter-output-post-dnat
        add chain ip skiff-proxy nat-prerouting { type nat hook prerouting priority -100; policy accept; }
        flush chain ip skiff-proxy nat-prerouting
        add chain ip skiff-proxy nat-output { type nat hook output priority -100; policy accept; }
        flush chain ip skiff-proxy nat-output
        add chain ip skiff-proxy nat-postrouting { type nat hook postrouting priority 100; policy accept; }
        flush chain ip skiff-proxy nat-postrouting
        add rule ip skiff-proxy reject-chain meta l4proto tcp reject with tcp reset
        add rule ip skiff-proxy reject-chain reject with icmp type host-unreachable
        add rule ip skiff-proxy mark-for-masquerade meta mark set meta mark or 0x4000
        add rule ip skiff-proxy masquerading meta mark & 0x4000 == 0 return
        add rule ip skiff-proxy masquerading meta mark set meta mark xor 0x4000
        add rule ip skiff-proxy masquerading masquerade fully-random
        add rule ip skiff-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
        add rule ip skiff-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
        add rule ip skiff-proxy endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
        add rule ip skiff-proxy endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
        add rule ip skiff-proxy cluster-ips-check ip daddr @cluster-ips goto reject-chain
        add rule ip skiff-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
        add rule ip skiff-proxy filter-prerouting ct state new jump firewall-check
        add rule ip skiff-proxy filter-input ct state new jump endpoints-check
        add rule ip skiff-proxy filter-forward ct state new jump endpoints-check
        add rule ip skiff-proxy filter-forward ct state new jump cluster-ips-check
        add rule ip skiff-proxy filter-output ct state new jump endpoints-check
        add rule ip skiff-proxy filter-output ct state new jump firewall-check
        add rule ip skiff-proxy filter-output-post-dnat ct state new jump cluster-ips-check
        add rule ip skiff-proxy nat-prerouting jump services
        add rule ip skiff-proxy nat-output jump services
        add rule ip skiff-proxy nat-postrouting jump masquerading
        add set ip skiff-proxy affinity-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 { type ipv4_addr; flags dynamic,timeout; timeout 60s; }
        add set ip skiff-proxy affinity-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 { type ipv4_addr; flags dynamic,timeout; timeout 60s; }
        add chain ip skiff-proxy endpoint-2PWZ6GN5-kube-system/dns/udp/dns__10.244.0.2/53
        add chain ip skiff-proxy endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080
        add chain ip skiff-proxy endpoint-5NLZMK72-default/np/tcp/http__10.244.0.6/80
        add chain ip skiff-proxy endpoint-LXXJ5JXN-default/web/tcp/http__10.244.0.5/8080
        add chain ip skiff-proxy endpoint-Q23ZQZIN-default/web/tcp/http__10.244.1.3/8080
        add chain ip skiff-proxy endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080
        add chain ip skiff-proxy external-TEWA6IQF-default/np/tcp/http
        add chain ip skiff-proxy service-63DBPUZR-kube-system/dns/udp/dns
        add chain ip skiff-proxy service-7UCITOBJ-default/web/tcp/http
        add chain ip skiff-proxy service-DO7XDPDE-default/sticky/tcp/
        add chain ip skiff-proxy service-TEWA6IQF-default/np/tcp/http
        flush chain ip skiff-proxy endpoint-2PWZ6GN5-kube-system/dns/udp/dns__10.244.0.2/53
        add rule ip skiff-proxy endpoint-2PWZ6GN5-kube-system/dns/udp/dns__10.244.0.2/53 ip saddr 10.244.0.2 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-2PWZ6GN5-kube-system/dns/udp/dns__10.244.0.2/53 meta l4proto udp dnat to 10.244.0.2:53
        flush chain ip skiff-proxy endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080
        add rule ip skiff-proxy endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 ip saddr 10.244.1.7 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 update @affinity-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 { ip saddr }
        add rule ip skiff-proxy endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 meta l4proto tcp dnat to 10.244.1.7:8080
        flush chain ip skiff-proxy endpoint-5NLZMK72-default/np/tcp/http__10.244.0.6/80
        add rule ip skiff-proxy endpoint-5NLZMK72-default/np/tcp/http__10.244.0.6/80 ip saddr 10.244.0.6 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-5NLZMK72-default/np/tcp/http__10.244.0.6/80 meta l4proto tcp dnat to 10.244.0.6:80
        flush chain ip skiff-proxy endpoint-LXXJ5JXN-default/web/tcp/http__10.244.0.5/8080
        add rule ip skiff-proxy endpoint-LXXJ5JXN-default/web/tcp/http__10.244.0.5/8080 ip saddr 10.244.0.5 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-LXXJ5JXN-default/web/tcp/http__10.244.0.5/8080 meta l4proto tcp dnat to 10.244.0.5:8080
        flush chain ip skiff-proxy endpoint-Q23ZQZIN-default/web/tcp/http__10.244.1.3/8080
        add rule ip skiff-proxy endpoint-Q23ZQZIN-default/web/tcp/http__10.244.1.3/8080 ip saddr 10.244.1.3 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-Q23ZQZIN-default/web/tcp/http__10.244.1.3/8080 meta l4proto tcp dnat to 10.244.1.3:8080
        flush chain ip skiff-proxy endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080
        add rule ip skiff-proxy endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 ip saddr 10.244.0.7 jump mark-for-masquerade
        add rule ip skiff-proxy endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 update @affinity-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 { ip saddr }
        add rule ip skiff-proxy endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 meta l4proto tcp dnat to 10.244.0.7:8080
        flush chain ip skiff-proxy external-TEWA6IQF-default/np/tcp/http
        add rule ip skiff-proxy external-TEWA6IQF-default/np/tcp/http jump mark-for-masquerade
        add rule ip skiff-proxy external-TEWA6IQF-default/np/tcp/http goto service-TEWA6IQF-default/np/tcp/http
        flush chain ip skiff-proxy service-63DBPUZR-kube-system/dns/udp/dns
        add rule ip skiff-proxy service-63DBPUZR-kube-system/dns/udp/dns numgen random mod 1 vmap { 0 : goto endpoint-2PWZ6GN5-kube-system/dns/udp/dns__10.244.0.2/53 }
        flush chain ip skiff-proxy service-7UCITOBJ-default/web/tcp/http
        add rule ip skiff-proxy service-7UCITOBJ-default/web/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-LXXJ5JXN-default/web/tcp/http__10.244.0.5/8080, 1 : goto endpoint-Q23ZQZIN-default/web/tcp/http__10.244.1.3/8080 }
        flush chain ip skiff-proxy service-DO7XDPDE-default/sticky/tcp/
        add rule ip skiff-proxy service-DO7XDPDE-default/sticky/tcp/ ip saddr @affinity-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080 goto endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080
        add rule ip skiff-proxy service-DO7XDPDE-default/sticky/tcp/ ip saddr @affinity-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 goto endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080
        add rule ip skiff-proxy service-DO7XDPDE-default/sticky/tcp/ numgen random mod 2 vmap { 0 : goto endpoint-VAHZXMIN-default/sticky/tcp/__10.244.0.7/8080, 1 : goto endpoint-44YI3H3T-default/sticky/tcp/__10.244.1.7/8080 }
        flush chain ip skiff-proxy service-TEWA6IQF-default/np/tcp/http
        add rule ip skiff-proxy service-TEWA6IQF-default/np/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-5NLZMK72-default/np/tcp/http__10.244.0.6/80 }
        add element ip skiff-proxy no-endpoint-nodeports { tcp . 30081 comment "default/empty:http" : goto reject-chain }
        add element ip skiff-proxy no-endpoint-services { 10.96.0.14 . tcp . 80 comment "default/empty:http" : goto reject-chain }
        add element ip skiff-proxy service-ips { 10.96.0.10 . tcp . 80 : goto service-7UCITOBJ-default/web/tcp/http, 10.96.0.11 . tcp . 80 : goto service-TEWA6IQF-default/np/tcp/http, 10.96.0.12 . udp . 53 : goto service-63DBPUZR-kube-system/dns/udp/dns, 10.96.0.13 . tcp . 8080 : goto service-DO7XDPDE-default/sticky/tcp/ }
        add element ip skiff-proxy service-nodeports { tcp . 30080 : goto external-TEWA6IQF-default/np/tcp/http }
        add element ip skiff-proxy cluster-ips { 10.96.0.10, 10.96.0.11, 10.96.0.12, 10.96.0.13, 10.96.0.14 }

        """
}
