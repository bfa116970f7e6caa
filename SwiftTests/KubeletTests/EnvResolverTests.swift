import APIMachinery
import Testing
@testable import Kubelet

@Suite("EnvResolver")
struct EnvResolverTests {
    let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1", "labels": ["app": "web"]],
        "spec": ["nodeName": "n1", "serviceAccountName": "default"],
    ]

    func resolver(_ sources: [String: [String: String]]) -> EnvResolver {
        EnvResolver { kind, ns, name in sources["\(kind.rawValue)/\(ns)/\(name)"] }
    }

    @Test func expansionFollowsUpstream() {
        let vars = ["A": "1", "B": "two"]
        #expect(EnvResolver.expand("$(A)-$(B)", with: vars) == "1-two")
        #expect(EnvResolver.expand("$$(A)", with: vars) == "$(A)")
        #expect(EnvResolver.expand("$(MISSING)", with: vars) == "$(MISSING)")
        #expect(EnvResolver.expand("cost $5", with: vars) == "cost $5")
    }

    @Test func envFromThenEnvWithDownwardAPIAndRefs() async throws {
        let container: JSON = [
            "envFrom": [["configMapRef": ["name": "cfg"], "prefix": "CFG_"]],
            "env": [
                ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                ["name": "IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
                ["name": "APP", "valueFrom": ["fieldRef": ["fieldPath": "metadata.labels['app']"]]],
                ["name": "PASS", "valueFrom": ["secretKeyRef": ["name": "s", "key": "password"]]],
                ["name": "GREETING", "value": "hi $(POD) at $(IP)"],
                ["name": "MEM", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory", "divisor": "1Mi"]]],
            ],
            "resources": ["limits": ["memory": "64Mi"]],
        ]
        let env = try await resolver(["configmap/shop/cfg": ["mode": "fast"], "secret/shop/s": ["password": "hunter2"]])
            .resolve(container: container, pod: pod, podIP: "10.244.0.5", hostIP: "172.30.0.2")
        let map = Dictionary(env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(env.first?.name == "CFG_mode")
        #expect(map["POD"] == "web")
        #expect(map["IP"] == "10.244.0.5")
        #expect(map["APP"] == "web")
        #expect(map["PASS"] == "hunter2")
        #expect(map["GREETING"] == "hi web at 10.244.0.5")
        #expect(map["MEM"] == "64")
    }

    @Test func missingRequiredKeyFailsOptionalIsSkipped() async throws {
        let required: JSON = ["env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "cfg", "key": "nope"]]]]]
        await #expect(throws: APIError.self) {
            _ = try await resolver(["configmap/shop/cfg": [:]]).resolve(container: required, pod: pod, podIP: "", hostIP: "")
        }
        let optional: JSON = ["env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "gone", "key": "k", "optional": true]]]]]
        let env = try await resolver([:]).resolve(container: optional, pod: pod, podIP: "", hostIP: "")
        #expect(env.isEmpty)
    }
}
