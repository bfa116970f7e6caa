import APIMachinery
import Client
import Foundation

/// The custom-resource phase of `skiff bench api`: how long a new CRD takes until its resources answer
/// (create returned → first successful list), then concurrent creates of schema-validated, defaulted
/// custom resources.
enum CustomResourceBench {
    static let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.bench.skiff.dev"],
        "spec": [
            "group": "bench.skiff.dev", "scope": "Namespaced",
            "names": ["plural": "widgets", "kind": "Widget", "shortNames": ["wd"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "subresources": ["status": [:]],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": ["spec": [
                        "type": "object", "required": ["size"],
                        "x-kubernetes-validations": [["rule": "self.replicas <= 100"]],
                        "properties": [
                            "size": ["type": "string", "enum": ["S", "M", "L"]],
                            "replicas": ["type": "integer", "minimum": 0, "default": 1],
                            "image": ["type": "string", "maxLength": 64],
                        ],
                    ]],
                ]],
            ]],
        ],
    ]

    static func run(client: KubeClient, count: Int, clients: Int) async throws {
        let crds = ResourcePath(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
        let widgets = ResourcePath(group: "bench.skiff.dev", version: "v1", resource: "widgets", namespace: "bench")
        let t0 = ContinuousClock.now
        _ = try await client.create(crds, crd)
        var served = false
        while !served {
            served = (try? await client.list(widgets)) != nil
            if !served {
                if ContinuousClock.now - t0 > .seconds(30) { throw BenchError("the CRD's resources were not served within 30 s") }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        print(String(format: "CRD created to its resources served: %.1f ms", (ContinuousClock.now - t0).seconds * 1000))
        let latency = LatencyRecorder()
        let start = ContinuousClock.now
        try await concurrently(count, workers: clients) { i in
            let s = ContinuousClock.now
            let w: JSON = ["apiVersion": "bench.skiff.dev/v1", "kind": "Widget", "metadata": ["name": .string("w-\(i)")],
                           "spec": ["size": "M", "image": "nginx:alpine"]]
            _ = try await client.create(widgets, w)
            latency.record((ContinuousClock.now - s).seconds)
        }
        let seconds = (ContinuousClock.now - start).seconds
        print(String(format: "custom resource creates: %d with %d clients in %.2f s = %.0f creates/s; %@", count, clients, seconds,
                     Double(count) / seconds, latency.summary()))
    }
}
