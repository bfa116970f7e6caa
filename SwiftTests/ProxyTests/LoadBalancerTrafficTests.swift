import APIMachinery
import Foundation
import Testing

@testable import Proxy

/// Real connections to a load-balancer address (root only). Three namespaces:
///
/// ```
/// client ns  c0 10.201.0.2/24 ── veth ── n1 10.201.0.1/24  node ns  n0 10.200.0.1/24 ── veth ── p0 10.200.0.2/24  pod ns
///   route 172.31.9.128/25 via 10.201.0.1                     skiff-proxy table, skiff-lb bridge     busybox httpd :8080
/// ```
/// The client stands where the cluster namespace does: it reaches the address only because the node holds
/// it (the announcer's dummy interface) and kube-proxy's rules send it on to the pod.
@Suite(.enabled(if: Root.available), .timeLimit(.minutes(2)))
struct LoadBalancerTrafficTests {
    @Test func localPolicyAndSourceRangesOnRealTraffic() async throws {
        try await withNetns(3) { ns in
            let (node, pod, client) = (ns[0], ns[1], ns[2])
            try await CommandRunner.check(["ip", "link", "add", "n0", "netns", node.name, "type", "veth", "peer", "name", "p0", "netns", pod.name])
            try await CommandRunner.check(["ip", "link", "add", "n1", "netns", node.name, "type", "veth", "peer", "name", "c0", "netns", client.name])
            for (n, cmds) in [
                (node, [["ip", "addr", "add", "10.200.0.1/24", "dev", "n0"], ["ip", "link", "set", "n0", "up"],
                        ["ip", "addr", "add", "10.201.0.1/24", "dev", "n1"], ["ip", "link", "set", "n1", "up"],
                        ["sysctl", "-qw", "net.ipv4.ip_forward=1"]]),
                (pod, [["ip", "addr", "add", "10.200.0.2/24", "dev", "p0"], ["ip", "link", "set", "p0", "up"],
                       ["ip", "route", "add", "default", "via", "10.200.0.1"]]),
                (client, [["ip", "addr", "add", "10.201.0.2/24", "dev", "c0"], ["ip", "link", "set", "c0", "up"],
                          ["ip", "route", "add", "172.31.9.128/25", "via", "10.201.0.1"]]),
            ] {
                for c in cmds { try await n.exec(c) }
            }
            let server = try StaticHTTPServer(netns: pod.name, page: "behind the balancer\n")
            defer { server.stop() }
            // SIGKILL: wget inherits the blocked signal mask of Swift's worker threads (see PolicyTrafficTests).
            func get(_ url: String) async throws -> Bool {
                let r = try await client.run(["timeout", "-s", "KILL", "3", CommandRunner.resolve("busybox"), "wget", "-q", "-O", "-", url], timeout: .seconds(10))
                return r.status == 0 && r.stdoutText == "behind the balancer\n"
            }
            func announced() async throws -> String {
                (try await node.run(["ip", "-o", "addr", "show", "dev", InterfaceAddressAnnouncer.device])).stdoutText
            }

            var options = ProxierOptions()
            options.nodeName = "node"
            options.clusterCIDR = "10.200.0.0/24"
            let p = Proxier(options: options, executor: NFTCommand(netns: node.name), announcer: InterfaceAddressAnnouncer(netns: node.name))
            func service(ranges: [String]) -> JSON {
                var s = LoadBalancerRulesTests.lb(ips: [("172.31.9.129", "VIP")], local: true, ranges: ranges)
                s[path: ["metadata", "name"]] = "lb"
                return s
            }
            func slice(onNode: String) -> JSON {
                var s = Fixtures.slice("lb-1", service: "lb", ports: [("http", 8080, "TCP")], endpoints: [("10.200.0.2", true)])
                s[path: ["endpoints"]] = [["addresses": ["10.200.0.2"], "nodeName": .string(onNode)]]
                return s
            }
            p.state.updateService(service(ranges: []))
            p.state.updateEndpointSlice(slice(onNode: "node"), timed: false)
            p.state.markServicesSynced()
            p.state.markEndpointSlicesSynced()
            try await p.syncOnce()

            // The node holds the address and serves it, keeping the client's address (no masquerade: the
            // pod answers 10.201.0.2 through its default route, and the node un-NATs the reply).
            #expect(try await announced().contains("172.31.9.129/32"))
            try await waitFor { try await get("http://172.31.9.129/") }

            // Source ranges that leave the client out drop it before DNAT; listing it lets it in again.
            p.state.updateService(service(ranges: ["192.168.0.0/16"]))
            try await p.syncOnce()
            #expect(try await !get("http://172.31.9.129/"))
            p.state.updateService(service(ranges: ["192.168.0.0/16", "10.201.0.0/24"]))
            try await p.syncOnce()
            #expect(try await get("http://172.31.9.129/"))

            // The endpoint "moves" to another node: this node stops answering for the address and drops.
            p.state.updateEndpointSlice(slice(onNode: "elsewhere"))
            try await p.syncOnce()
            #expect(try await !announced().contains("172.31.9.129"))
            #expect(try await !get("http://172.31.9.129/"))
        }
    }
}
