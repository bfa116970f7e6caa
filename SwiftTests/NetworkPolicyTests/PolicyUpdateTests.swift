import APIMachinery
import Foundation
import Proxy
import Testing

@testable import NetworkPolicy

/// A partial update leaves the kernel's table exactly as writing the whole new table does (root only: a
/// scratch network namespace, removed afterwards).
@Suite(.enabled(if: getuid() == 0 && ["ip", "nft"].allSatisfy { CommandRunner.resolve($0).hasPrefix("/") }),
       .timeLimit(.minutes(2)))
struct PolicyUpdateTests {
    static let pods: [PolicyPod] = (0..<6).map { i in
        PolicyPod(namespace: i < 4 ? "web" : "other", name: "p\(i)", ip: "10.244.1.\(i + 2)", nodeName: "n1",
                  labels: ["app": i % 2 == 0 ? "web" : "db", "access": i < 3 ? "true" : "false"],
                  namedPorts: ["http": .init(port: 8080, proto: "TCP")])
    }
    static let namespaces: [String: [String: String]] = ["web": [:], "other": ["team": "a"]]

    static func policy(_ name: String, _ spec: JSON, ns: String = "web") -> PolicyInfo {
        PolicyInfo.from(["metadata": ["name": .string(name), "namespace": .string(ns)], "spec": spec])!
    }

    static let denyAll = policy("deny", ["podSelector": [:], "policyTypes": ["Ingress", "Egress"]])
    static let allowAccess = policy("allow", ["podSelector": ["matchLabels": ["app": "web"]],
                                              "ingress": [["from": [["podSelector": ["matchLabels": ["access": "true"]]]], "ports": [["port": "http"]]]]])
    static let allowTeam = policy("team", ["podSelector": ["matchLabels": ["app": "db"]],
                                           "ingress": [["from": [["namespaceSelector": ["matchLabels": ["team": "a"]]]]]]])
    static let dns = policy("dns", ["podSelector": [:], "policyTypes": ["Egress"], "egress": [["ports": [["port": 53, "protocol": "UDP"]]]]])
    static let blocks = policy("blocks", ["podSelector": [:], "ingress": [["from": [["ipBlock": ["cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]]]]]]], ns: "other")

    /// `nft list table`'s sets, maps and chains, each as its text, in name order: nft lists them in the
    /// order they were made, which differs between an updated table and a fresh one.
    static func blocks(_ listing: String) -> [String] {
        var out: [String] = [], current: [Substring] = []
        for line in listing.split(separator: "\n", omittingEmptySubsequences: false) where line != "}" {
            if line.hasPrefix("\t") && !line.hasPrefix("\t\t") && line != "\t}" && !current.isEmpty {
                out.append(current.joined(separator: "\n"))
                current = []
            }
            current.append(line)
        }
        out.append(current.joined(separator: "\n"))
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.sorted()
    }

    @Test func partialUpdatesEndWhereAFullWriteDoes() async throws {
        let netns = "skiff-polupd-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await CommandRunner.check(["ip", "netns", "add", netns])
        defer { _ = try? Process.run(URL(fileURLWithPath: CommandRunner.resolve("ip")), arguments: ["netns", "del", netns]).waitUntilExit() }
        let nft = NFTCommand(netns: netns)
        let c = PolicyCompiler(nodeName: "n1")
        func compile(_ p: [PolicyInfo]) -> PolicyCompiler.Output { c.compile(policies: p, pods: Self.pods, namespaces: Self.namespaces) }
        func listed() async throws -> String {
            try await CommandRunner.check(["ip", "netns", "exec", netns, "nft", "list", "table", "ip", "skiff-policy"]).stdoutText
        }
        // Each step adds, drops or changes policies: new and removed chains, sets, map elements.
        let steps: [[PolicyInfo]] = [
            [], [Self.denyAll], [Self.denyAll, Self.allowAccess], [Self.allowAccess, Self.allowTeam, Self.blocks],
            [Self.allowTeam, Self.dns], [Self.denyAll, Self.allowAccess, Self.allowTeam, Self.dns, Self.blocks], [],
        ]
        var table = compile(steps[0])
        try await nft.apply(c.script(table))
        for (i, policies) in steps.enumerated().dropFirst() {
            let next = compile(policies)
            let update = c.updateScript(from: table, to: next)
            #expect(!update.contains("delete table"), "step \(i) rewrote the table")
            if !update.isEmpty { try await nft.apply(update) }
            table = next
            let afterUpdate = try await listed()
            try await nft.apply(c.script(next))
            let full = try await listed()
            #expect(Self.blocks(full) == Self.blocks(afterUpdate), "step \(i):\n\(afterUpdate)\nversus a full write:\n\(full)")
        }
        #expect(c.updateScript(from: table, to: table).isEmpty)
    }
}
