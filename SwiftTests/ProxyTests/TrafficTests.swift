import APIMachinery
import Foundation
import Testing

@testable import Proxy

/// Real connections through the rules (root only). Two namespaces joined by a veth pair:
///
/// ```
/// node ns  n0 10.200.0.1/24  ── veth ──  p0 10.200.0.2/24  pod ns (default via 10.200.0.1)
///   skiff-proxy table, ip_forward=1,                          busybox httpd on :8080
///   route 10.96.0.0/12 dev n0 (so local clients can connect)
/// ```
@Suite(.enabled(if: Root.available), .timeLimit(.minutes(2)))
struct TrafficTests {
    @Test func clusterIPNodePortHairpinAndReject() async throws {
        try await withNetns(2) { ns in
            let (node, pod) = (ns[0], ns[1])
            try await CommandRunner.check(["ip", "link", "add", "n0", "netns", node.name, "type", "veth", "peer", "name", "p0", "netns", pod.name])
            try await node.exec(["ip", "addr", "add", "10.200.0.1/24", "dev", "n0"])
            try await node.exec(["ip", "link", "set", "n0", "up"])
            try await node.exec(["ip", "route", "add", "10.96.0.0/12", "dev", "n0"])
            try await node.exec(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            try await pod.exec(["ip", "addr", "add", "10.200.0.2/24", "dev", "p0"])
            try await pod.exec(["ip", "link", "set", "p0", "up"])
            try await pod.exec(["ip", "route", "add", "default", "via", "10.200.0.1"])

            let server = try StaticHTTPServer(netns: pod.name, page: "hello from the pod\n")
            defer { server.stop() }

            let p = Proxier(executor: NFTCommand(netns: node.name))
            p.state.updateService(Fixtures.service("web", clusterIP: "10.96.0.50", type: "NodePort", ports: [("http", 80, "TCP", 30080)]))
            p.state.updateEndpointSlice(Fixtures.slice("web-1", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.200.0.2", true)]))
            p.state.updateService(Fixtures.service("nothing", clusterIP: "10.96.0.51", ports: [("http", 80, "TCP", nil)]))
            p.state.markServicesSynced()
            p.state.markEndpointSlicesSynced()
            try await p.syncOnce()

            func get(_ from: TestNetns, _ url: String) async throws -> (ok: Bool, body: String) {
                // No `-T`: this busybox's wget crashes with it; the runner's timeout bounds a hang instead.
                let r = try await from.run(["busybox", "wget", "-q", "-O", "-", url], timeout: .seconds(15))
                return (r.status == 0, r.stdoutText + r.stderrText)
            }
            // A rejected connection is told so by the kernel (a TCP reset or ICMP unreachable: wget says
            // "refused" or "unreachable"); a dropped one would only end at the runner's timeout, with neither.
            func refused(_ r: (ok: Bool, body: String)) -> Bool {
                !r.ok && (r.body.lowercased().contains("refused") || r.body.lowercased().contains("unreachable"))
            }
            // The server is up once it answers directly.
            try await waitFor { try await get(node, "http://10.200.0.2:8080/").ok }

            // ClusterIP from the node namespace (output hook) and from the pod itself (prerouting + hairpin).
            let fromNode = try await get(node, "http://10.96.0.50/")
            #expect(fromNode.ok && fromNode.body == "hello from the pod\n", "\(fromNode)")
            let hairpin = try await get(pod, "http://10.96.0.50/")
            #expect(hairpin.ok && hairpin.body == "hello from the pod\n", "\(hairpin)")
            // NodePort on the node's address, both ways.
            let nodePort = try await get(node, "http://10.200.0.1:30080/")
            #expect(nodePort.ok, "\(nodePort)")
            let nodePortHairpin = try await get(pod, "http://10.200.0.1:30080/")
            #expect(nodePortHairpin.ok, "\(nodePortHairpin)")

            // Only the hairpin connections were masqueraded: the pod saw the node's address for those, and
            // no NAT source rewrite for the node's own connection (it is 10.200.0.1 already).
            let ct = try await node.run(["conntrack", "-L", "-p", "tcp", "--orig-dst", "10.96.0.50"])
            if ct.status == 0 {
                let entries = ct.stdoutText.split(separator: "\n")
                #expect(entries.contains { $0.contains("src=10.200.0.2 dst=10.96.0.50") && $0.contains("dst=10.200.0.1") })
            }

            // No endpoints: refused at once, from the node and from the pod (forward path).
            for (from, url) in [(node, "http://10.96.0.51/"), (pod, "http://10.96.0.51/"), (node, "http://10.96.0.50:81/")] {
                let r = try await get(from, url)
                #expect(refused(r), "\(url) from \(from.name): \(r)")
            }

            // The endpoint goes away: the service is now refused too, after one partial sync.
            p.state.updateEndpointSlice(Fixtures.slice("web-1", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.200.0.2", false)]))
            #expect(try await !p.syncOnce().full)
            let gone = try await get(node, "http://10.96.0.50/")
            #expect(refused(gone), "\(gone)")
        }
    }
}
