import APIMachinery
import ArgumentParser
import Foundation
import NetworkPolicy
import Proxy

/// `skiff bench network-policy`: how long one node takes to program its NetworkPolicies, in a temporary
/// network namespace (root only). N policies over P pods of this node (a mix of pod selectors, namespace
/// selectors, ipBlocks with except, port ranges and named ports), applied once in full, then C single-policy
/// changes, each timed from the change to its `nft -f` transaction returning: the enforcer's whole work per
/// change (compile every policy, write what differs from the table applied), without the API server's watch
/// delivery.
struct NetworkPolicyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "network-policy", abstract: "Benchmark NetworkPolicy programming (nftables).")

    @Option(help: "NetworkPolicies.") var policies = 1000
    @Option(help: "Pods on the node.") var pods = 100
    @Option(help: "Single-policy changes to time.") var changes = 100

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("skiff bench network-policy needs root (it creates a network namespace)") }
        guard (1...100_000).contains(policies), (1...10_000).contains(pods), (1...10_000).contains(changes) else {
            throw ValidationError("--policies 1-100000, --pods 1-10000, --changes 1-10000")
        }
        let netns = "skiff-npbench-\(getpid())"
        try await CommandRunner.check(["ip", "netns", "add", netns])
        defer { _ = try? Process.run(URL(fileURLWithPath: CommandRunner.resolve("ip")), arguments: ["netns", "del", netns]).waitUntilExit() }
        try await body(netns: netns)
    }

    func pod(_ i: Int) -> PolicyPod {
        PolicyPod(namespace: "ns-\(i % 10)", name: "pod-\(i)", ip: "10.244.\(i / 250).\(i % 250 + 2)", nodeName: "bench",
                  labels: ["app": "app-\(i % 20)", "tier": i % 2 == 0 ? "web" : "db"],
                  namedPorts: ["http": .init(port: 8080, proto: "TCP")])
    }

    func policy(_ i: Int, generation: Int = 0) -> PolicyInfo {
        let spec: JSON = [
            "podSelector": ["matchLabels": ["app": .string("app-\(i % 20)")]],
            "policyTypes": i % 3 == 0 ? ["Ingress", "Egress"] : ["Ingress"],
            "ingress": [[
                "from": [["podSelector": ["matchLabels": ["tier": "web"]]],
                         ["namespaceSelector": ["matchLabels": ["team": .string("t\(i % 4)")]]],
                         ["ipBlock": ["cidr": .string("172.\(16 + i % 16).0.0/16"), "except": [.string("172.\(16 + i % 16).\(generation % 250).0/24")]]]],
                "ports": [["port": .int(Int64(1000 + i % 5000)), "endPort": .int(Int64(1010 + i % 5000))], ["port": "http"]],
            ]],
            "egress": [["ports": [["port": 53, "protocol": "UDP"]]]],
        ]
        return PolicyInfo.from(["metadata": ["name": .string("pol-\(i)"), "namespace": .string("ns-\(i % 10)")], "spec": spec])!
    }

    func body(netns: String) async throws {
        let compiler = PolicyCompiler(nodeName: "bench")
        let nft = NFTCommand(netns: netns)
        let podList = (0..<pods).map(pod)
        let namespaces = Dictionary(uniqueKeysWithValues: (0..<10).map { ("ns-\($0)", ["team": "t\($0 % 4)"]) })
        var current = (0..<policies).map { policy($0) }
        print("\(policies) policies, \(pods) pods on the node, network namespace \(netns)")
        var start = ContinuousClock.now
        var script = compiler.script(compiler.compile(policies: current, pods: podList, namespaces: namespaces))
        let compiled = ContinuousClock.now
        try await nft.apply(script)
        print(String(format: "full program: compile %.1f ms, nft %.1f ms, %d bytes, %d rules",
                     (compiled - start).seconds * 1000, (ContinuousClock.now - compiled).seconds * 1000, script.utf8.count,
                     script.split(separator: "\n").count(where: { $0.hasPrefix("add rule") })))
        let latencies = LatencyRecorder()
        var table = compiler.compile(policies: current, pods: podList, namespaces: namespaces)
        for c in 0..<changes {
            let i = (c * 7919) % policies
            start = ContinuousClock.now
            current[i] = policy(i, generation: c + 1)
            // As the enforcer does after its first sync: only what differs from the table applied.
            let next = compiler.compile(policies: current, pods: podList, namespaces: namespaces)
            try await nft.apply(compiler.updateScript(from: table, to: next))
            table = next
            latencies.record((ContinuousClock.now - start).seconds)
        }
        print("single-policy change to table applied: \(latencies.summary())")
    }
}
