import APIMachinery
import Foundation
import Testing

@testable import NetworkPolicy

@Suite struct PolicyCompilerTests {
    static let pods: [PolicyPod] = [
        PolicyPod(namespace: "web", name: "nginx", ip: "10.244.1.5", nodeName: "n1", labels: ["app": "nginx"],
                  namedPorts: ["http": .init(port: 80, proto: "TCP")]),
        PolicyPod(namespace: "web", name: "ok", ip: "10.244.1.6", nodeName: "n1", labels: ["access": "true"]),
        PolicyPod(namespace: "web", name: "nope", ip: "10.244.2.7", nodeName: "n2", labels: ["access": "false"]),
        PolicyPod(namespace: "other", name: "far", ip: "10.244.2.8", nodeName: "n2", labels: ["access": "true"],
                  namedPorts: ["http": .init(port: 8080, proto: "TCP"), "dns": .init(port: 53, proto: "UDP")]),
    ]
    static let namespaces: [String: [String: String]] = [
        "web": ["kubernetes.io/metadata.name": "web"], "other": ["kubernetes.io/metadata.name": "other", "team": "a"],
    ]

    static func policy(_ spec: JSON, name: String = "p", ns: String = "web") -> PolicyInfo {
        PolicyInfo.from(["metadata": ["name": .string(name), "namespace": .string(ns)], "spec": spec])!
    }

    /// The compiled output with every `@set` reference written out as the inline set it names, so rules read
    /// as what they match (sharing of the sets is checked on its own).
    func compile(_ policies: [PolicyInfo], node: String = "n1") -> PolicyCompiler.Output {
        var out = PolicyCompiler(nodeName: node).compile(policies: policies, pods: Self.pods, namespaces: Self.namespaces)
        for (chain, rules) in out.chains {
            out.chains[chain] = rules.map { rule in
                var r = rule
                for (name, addresses) in out.sets { r = r.replacingOccurrences(of: "@\(name) ", with: "{ \(addresses.joined(separator: ", ")) } ") }
                return r
            }
        }
        return out
    }

    @Test func podsSelectedByOnePolicyShareOneSetOfPeers() {
        let p = Self.policy(["podSelector": [:], "ingress": [["from": [["podSelector": ["matchLabels": ["access": "true"]]]]]]])
        let c = PolicyCompiler(nodeName: "n1")
        let out = c.compile(policies: [p], pods: Self.pods, namespaces: Self.namespaces)
        #expect(out.sets.count == 1)
        let (name, addresses) = out.sets.first!
        #expect(addresses == ["10.244.1.6"])
        #expect(out.chains["ingress-10.244.1.5"]?.first == "ip saddr @\(name) accept")
        #expect(out.chains["ingress-10.244.1.6"]?.first == "ip saddr @\(name) accept")
        let script = c.script(out)
        let declared = script.split(separator: "\n").firstIndex { $0 == "add set ip skiff-policy \(name) { type ipv4_addr; elements = { 10.244.1.6 }; }" }
        let used = script.split(separator: "\n").firstIndex { $0.contains("@\(name)") }
        #expect(declared != nil && used != nil && declared! < used!)
        // Same peers, same name: a recompile of the same state writes the same script.
        #expect(c.script(c.compile(policies: [p], pods: Self.pods, namespaces: Self.namespaces)) == script)
    }

    @Test func defaultDenyIsolatesEveryPodOfTheNamespaceOnThisNodeOnly() {
        let out = compile([Self.policy(["podSelector": [:], "policyTypes": ["Ingress"]])])
        #expect(out.ingressPods == ["10.244.1.5": "goto ingress-10.244.1.5", "10.244.1.6": "goto ingress-10.244.1.6"])
        #expect(out.chains["ingress-10.244.1.5"] == [#"drop comment "web/nginx: ingress not allowed""#])
        #expect(out.egressPods.isEmpty)
        // Node n2's pods are n2's business.
        #expect(compile([Self.policy(["podSelector": [:], "policyTypes": ["Ingress"]])], node: "n2").ingressPods.keys.sorted() == ["10.244.2.7"])
    }

    @Test func podSelectorPeersAndPortsAllowExactlyThoseClients() {
        let p = Self.policy(["podSelector": ["matchLabels": ["app": "nginx"]],
                             "ingress": [["from": [["podSelector": ["matchLabels": ["access": "true"]]]], "ports": [["port": 80]]]]])
        let out = compile([p])
        // "far" has access=true too, but lives in another namespace: a bare podSelector means the policy's own.
        #expect(out.chains["ingress-10.244.1.5"] == [
            "ip saddr { 10.244.1.6 } meta l4proto tcp th dport 80 accept",
            #"drop comment "web/nginx: ingress not allowed""#,
        ])
        #expect(out.ingressPods.keys.sorted() == ["10.244.1.5"])
    }

    @Test func namespaceSelectorsAloneAndCombined() {
        let both = Self.policy(["podSelector": [:], "ingress": [["from": [[
            "namespaceSelector": ["matchLabels": ["team": "a"]], "podSelector": ["matchLabels": ["access": "true"]],
        ]]]]])
        #expect(compile([both]).chains["ingress-10.244.1.5"]?.first == "ip saddr { 10.244.2.8 } accept")
        let nsOnly = Self.policy(["podSelector": [:], "ingress": [["from": [["namespaceSelector": [:]]]]]])
        #expect(compile([nsOnly]).chains["ingress-10.244.1.5"]?.first == "ip saddr { 10.244.1.5, 10.244.1.6, 10.244.2.7, 10.244.2.8 } accept")
        let nobody = Self.policy(["podSelector": [:], "ingress": [["from": [["namespaceSelector": ["matchLabels": ["team": "zzz"]]]]]]])
        #expect(compile([nobody]).chains["ingress-10.244.1.5"]?.count == 1)
    }

    @Test func ipBlocksWithExceptAndPortRanges() {
        let p = Self.policy(["podSelector": [:], "ingress": [[
            "from": [["ipBlock": ["cidr": "172.31.0.0/16", "except": ["172.31.5.0/24", "172.31.5.7/32", "10.0.0.0/8"]]]],
            "ports": [["protocol": "UDP", "port": 5000, "endPort": 5010], ["protocol": "SCTP"]],
        ]]])
        #expect(compile([p]).chains["ingress-10.244.1.6"] == [
            "ip saddr 172.31.0.0/16 ip saddr != { 172.31.5.0/24 } meta l4proto udp th dport 5000-5010 accept",
            "ip saddr 172.31.0.0/16 ip saddr != { 172.31.5.0/24 } meta l4proto sctp accept",
            #"drop comment "web/ok: ingress not allowed""#,
        ])
    }

    @Test func namedPortsResolveOnTheReceivingPod() {
        let ingress = Self.policy(["podSelector": [:], "ingress": [["ports": [["port": "http"]]]]])
        let out = compile([ingress])
        #expect(out.chains["ingress-10.244.1.5"]?.first == "meta l4proto tcp th dport 80 accept")
        // "ok" has no port named http: nothing is allowed to it.
        #expect(out.chains["ingress-10.244.1.6"]?.count == 1)

        let egress = Self.policy(["podSelector": ["matchLabels": ["app": "nginx"]], "policyTypes": ["Egress"],
                                  "egress": [["to": [["namespaceSelector": [:]]], "ports": [["port": "http"], ["port": "dns", "protocol": "UDP"]]]]])
        #expect(compile([egress]).chains["egress-10.244.1.5"] == [
            "ip daddr 10.244.1.5 meta l4proto tcp th dport 80 return",
            "ip daddr 10.244.2.8 meta l4proto tcp th dport 8080 return",
            "ip daddr 10.244.2.8 meta l4proto udp th dport 53 return",
            #"drop comment "web/nginx: egress not allowed""#,
        ])
    }

    @Test func egressDefaultDenyThenDNSAllowedAndPolicyTypesDefaulting() {
        let deny = Self.policy(["podSelector": [:], "policyTypes": ["Egress"]])
        var out = compile([deny])
        #expect(out.egressPods["10.244.1.6"] == "jump egress-10.244.1.6" && out.ingressPods.isEmpty)
        #expect(out.chains["egress-10.244.1.6"] == [#"drop comment "web/ok: egress not allowed""#])
        // No policyTypes but egress rules: upstream's defaulting makes it Ingress and Egress.
        let dns = Self.policy(["podSelector": [:], "egress": [["ports": [["port": 53, "protocol": "UDP"], ["port": 53, "protocol": "TCP"]]]]], name: "dns")
        #expect(dns.isolatesIngress && dns.isolatesEgress)
        out = compile([deny, dns])
        #expect(out.chains["egress-10.244.1.6"] == [
            "meta l4proto udp th dport 53 return", "meta l4proto tcp th dport 53 return", #"drop comment "web/ok: egress not allowed""#,
        ])
    }

    @Test func theTableIsReplacedInOneTransaction() {
        let c = PolicyCompiler(nodeName: "n1")
        let script = c.script(compile([Self.policy(["podSelector": [:], "policyTypes": ["Ingress", "Egress"]])]))
        let lines = script.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(2)) == ["add table ip skiff-policy", "delete table ip skiff-policy"])
        #expect(lines.contains("add rule ip skiff-policy forward ct state established,related accept"))
        #expect(lines.last == "add element ip skiff-policy ingress-pods { 10.244.1.5 : goto ingress-10.244.1.5, 10.244.1.6 : goto ingress-10.244.1.6 }")
        // Chains exist before the map elements that name them.
        #expect(lines.firstIndex(of: "add chain ip skiff-policy ingress-10.244.1.5")! < lines.count - 1)
        #expect(c.script(compile([])).contains("add map ip skiff-policy ingress-pods"))
    }

    @Test func podsWithoutAddressesOrFinishedAreLeftOut() {
        #expect(PolicyPod.from(["metadata": ["name": "a", "namespace": "n"], "status": ["phase": "Pending"]]) == nil)
        #expect(PolicyPod.from(["metadata": ["name": "a", "namespace": "n"], "status": ["phase": "Succeeded", "podIP": "10.244.0.9"]]) == nil)
        let p = PolicyPod.from(["metadata": ["name": "a", "namespace": "n", "labels": ["x": "y"]],
                                "spec": ["nodeName": "n1", "containers": [["name": "c", "ports": [["name": "web", "containerPort": 8080]]]]],
                                "status": ["phase": "Running", "podIP": "10.244.0.9"]])
        #expect(p?.namedPorts["web"] == .init(port: 8080, proto: "TCP") && p?.labels == ["x": "y"])
    }
}
