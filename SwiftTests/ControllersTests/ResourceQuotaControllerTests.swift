import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct ResourceQuotaControllerTests {
    static let quotas = ResourcePath(resource: "resourcequotas", namespace: "t")

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let rq = ResourceQuotaController(client: client, informers: informers)
        return [{ await rq.run(workers: 2) }]
    }

    func pod(_ name: String, cpu: String? = nil, memoryLimit: String? = nil, phase: String? = nil) -> JSON {
        var c: JSON = ["name": "c", "image": "nginx:alpine"]
        if let cpu { c[path: ["resources", "requests", "cpu"]] = .string(cpu) }
        if let memoryLimit { c[path: ["resources", "limits", "memory"]] = .string(memoryLimit) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": ["containers": [c]]]
    }

    @Test func usageFollowsTheNamespacesObjects() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(Self.quotas, [
                "apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "q"],
                "spec": ["hard": ["pods": "10", "requests.cpu": "2", "limits.memory": "1Gi", "count/configmaps": "5", "services": "3",
                                  "secrets": "4", "persistentvolumeclaims": "2"]],
            ])
            func used() async throws -> [String: String] {
                (try await c.get(Self.quotas, "q")[path: ["status", "used"]]?.object ?? [:]).compactMapValues(\.string)
            }
            // Nothing yet: every limited name is there, at zero; hard copies the spec.
            #expect(try await eventually {
                try await used() == ["pods": "0", "requests.cpu": "0", "limits.memory": "0", "count/configmaps": "0", "services": "0",
                                     "secrets": "0", "persistentvolumeclaims": "0"]
            })
            #expect(try await c.get(Self.quotas, "q")[path: ["status", "hard", "requests.cpu"]]?.string == "2")
            try await c.create(podsInT, pod("a", cpu: "250m", memoryLimit: "256Mi"))
            try await c.create(podsInT, pod("b", cpu: "500m", memoryLimit: "256Mi"))
            try await c.create(.configmaps.inNamespace("t"), ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm"]])
            try await c.create(.services.inNamespace("t"), ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "s"],
                                                             "spec": ["ports": [["port": 80]], "selector": ["app": "x"]]])
            #expect(try await eventually {
                let u = try await used()
                return u["pods"] == "2" && u["requests.cpu"] == "750m" && u["limits.memory"] == "512Mi"
                    && u["count/configmaps"] == "1" && u["services"] == "1"
            })
            // A finished pod no longer counts against pods or compute; a deleted one not at all.
            try await c.patch(podsInT, "a", ["status": ["phase": "Succeeded"]], subresource: "status")
            try await c.delete(.configmaps.inNamespace("t"), "cm")
            #expect(try await eventually {
                let u = try await used()
                return u["pods"] == "1" && u["requests.cpu"] == "500m" && u["limits.memory"] == "256Mi" && u["count/configmaps"] == "0"
            })
        }
    }

    @Test func podResourcesAddSidecarsAndTakeTheLargestInitContainer() {
        let pod: JSON = ["spec": [
            "containers": [["name": "a", "resources": ["requests": ["cpu": "100m"]]], ["name": "b", "resources": ["requests": ["cpu": "200m"]]]],
            "initContainers": [["name": "big", "resources": ["requests": ["cpu": "1"]]],
                               ["name": "side", "restartPolicy": "Always", "resources": ["requests": ["cpu": "50m"]]]],
        ]]
        let u = QuotaUsage.usage(group: "", resource: "pods", pod, now: Date())
        #expect(u["requests.cpu"]?.description == "1")
        #expect(u["pods"]?.description == "1" && u["count/pods"]?.description == "1")
        let small: JSON = ["spec": ["containers": [["name": "a", "resources": ["requests": ["cpu": "100m"]]]],
                                    "initContainers": [["name": "side", "restartPolicy": "Always", "resources": ["requests": ["cpu": "50m"]]]]]]
        #expect(QuotaUsage.usage(group: "", resource: "pods", small, now: Date())["requests.cpu"]?.description == "150m")
    }
}
