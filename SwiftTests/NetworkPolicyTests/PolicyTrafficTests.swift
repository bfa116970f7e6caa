import APIMachinery
import Foundation
import Proxy
import Testing

@testable import NetworkPolicy

/// The compiled table on real traffic (root only): a client and a pod namespace routed through a node
/// namespace that holds `ip skiff-policy`, as a node routes between pods.
///
/// ```
/// client ns  c0 10.210.1.2/24 ── n1 10.210.1.1/24  node ns  n0 10.210.0.1/24 ── p0 10.210.0.2/24  pod ns (httpd :8080)
/// ```
@Suite(.enabled(if: getuid() == 0 && ["ip", "nft", "busybox"].allSatisfy { CommandRunner.resolve($0).hasPrefix("/") }),
       .timeLimit(.minutes(2)))
struct PolicyTrafficTests {
    @Test func defaultDenyAllowByPeerAndEgress() async throws {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let names = ["skiff-poltest-n\(tag)", "skiff-poltest-p\(tag)", "skiff-poltest-c\(tag)"]
        defer { for n in names { _ = try? Process.run(URL(fileURLWithPath: CommandRunner.resolve("ip")), arguments: ["netns", "del", n]).waitUntilExit() } }
        for n in names { try await CommandRunner.check(["ip", "netns", "add", n]) }
        let (node, pod, client) = (names[0], names[1], names[2])
        func exec(_ ns: String, _ argv: [String]) async throws { try await CommandRunner.check(["ip", "netns", "exec", ns] + argv) }
        try await CommandRunner.check(["ip", "link", "add", "n0", "netns", node, "type", "veth", "peer", "name", "p0", "netns", pod])
        try await CommandRunner.check(["ip", "link", "add", "n1", "netns", node, "type", "veth", "peer", "name", "c0", "netns", client])
        for c in [["ip", "addr", "add", "10.210.0.1/24", "dev", "n0"], ["ip", "link", "set", "n0", "up"],
                  ["ip", "addr", "add", "10.210.1.1/24", "dev", "n1"], ["ip", "link", "set", "n1", "up"],
                  ["ip", "link", "set", "lo", "up"], ["sysctl", "-qw", "net.ipv4.ip_forward=1"]] { try await exec(node, c) }
        for (ns, addr, dev, gw) in [(pod, "10.210.0.2/24", "p0", "10.210.0.1"), (client, "10.210.1.2/24", "c0", "10.210.1.1")] {
            for c in [["ip", "addr", "add", addr, "dev", dev], ["ip", "link", "set", dev, "up"], ["ip", "link", "set", "lo", "up"],
                      ["ip", "route", "add", "default", "via", gw]] { try await exec(ns, c) }
        }
        let www = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-poltest-\(tag)")
        try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: www) }
        try Data("ok\n".utf8).write(to: www.appendingPathComponent("index.html"))
        var servers: [Process] = []
        defer { for s in servers { kill(s.processIdentifier, SIGKILL); s.waitUntilExit() } }
        for ns in [pod, client] {
            let httpd = Process()
            httpd.executableURL = URL(fileURLWithPath: CommandRunner.resolve("ip"))
            httpd.arguments = ["netns", "exec", ns, CommandRunner.resolve("busybox"), "httpd", "-f", "-p", "8080", "-h", www.path]
            httpd.standardOutput = FileHandle.nullDevice
            httpd.standardError = FileHandle.nullDevice
            try httpd.run()
            servers.append(httpd)
        }
        // `timeout -s KILL`: processes spawned from Swift's worker threads inherit their blocked signal
        // mask, so wget would never see timeout's SIGTERM and, once CommandRunner killed `timeout`, would
        // keep the pipe open for the whole TCP connect timeout (a dropped SYN: over two minutes).
        func get(from ns: String, _ ip: String) async throws -> Bool {
            let r = try await CommandRunner.run(["ip", "netns", "exec", ns, "timeout", "-s", "KILL", "2", CommandRunner.resolve("busybox"), "wget", "-q", "-O", "-",
                                                 "http://\(ip):8080/"], timeout: .seconds(10))
            return r.status == 0 && r.stdoutText == "ok\n"
        }
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await get(from: client, "10.210.0.2")
            // Polls: the pod's address answers once its namespace and the server in it are up; nothing signals it.
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(ready)

        let thePod = PolicyPod(namespace: "t", name: "web", ip: "10.210.0.2", nodeName: "node", labels: ["app": "web"])
        let nft = NFTCommand(netns: node)
        func program(_ specs: [JSON]) async throws {
            let policies = specs.enumerated().map { PolicyInfo.from(["metadata": ["name": .string("p\($0.offset)"), "namespace": "t"], "spec": $0.element])! }
            let c = PolicyCompiler(nodeName: "node")
            try await nft.apply(c.script(c.compile(policies: policies, pods: [thePod], namespaces: ["t": [:]])))
        }
        try await program([["podSelector": [:], "policyTypes": ["Ingress"]]])
        #expect(try await !get(from: client, "10.210.0.2"))
        // Replies to the pod's own connections still pass: egress is not isolated and conntrack knows them.
        #expect(try await get(from: pod, "10.210.1.2"))

        try await program([["podSelector": [:], "policyTypes": ["Ingress"]],
                           ["podSelector": ["matchLabels": ["app": "web"]],
                            "ingress": [["from": [["ipBlock": ["cidr": "10.210.1.0/24", "except": ["10.210.1.128/25"]]]],
                                         "ports": [["port": 8000, "endPort": 8100]]]]]])
        #expect(try await get(from: client, "10.210.0.2"))

        try await program([["podSelector": [:], "policyTypes": ["Egress"]]])
        #expect(try await get(from: client, "10.210.0.2"))
        #expect(try await !get(from: pod, "10.210.1.2"))
        try await program([])
        #expect(try await get(from: pod, "10.210.1.2"))
    }
}
