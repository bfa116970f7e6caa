import APIMachinery
import Foundation
import Testing

@testable import APIServer

/// The LimitRanger admission through the API handler: the namespace's LimitRanges as stored, pods and
/// claims created and updated over the REST paths.
@Suite struct LimitRangerAdmissionTests {
    let pods = "/api/v1/namespaces/default/pods"
    let claims = "/api/v1/namespaces/default/persistentvolumeclaims"
    let ranges = "/api/v1/namespaces/default/limitranges"

    func limitRange(_ s: TestServer, _ name: String = "limits", _ items: JSON...) async {
        let r = await s.send("POST", ranges, body: ["apiVersion": "v1", "kind": "LimitRange", "metadata": ["name": .string(name)],
                                                   "spec": ["limits": .array(items)]])
        #expect(r.status == 201)
    }

    func podWith(_ name: String, requests: JSON? = nil, limits: JSON? = nil) -> JSON {
        var p = pod(name)
        if let requests { p[path: ["spec", "containers"]] = [["name": "c", "image": "nginx:alpine", "resources": ["requests": requests]]] }
        if let limits {
            var c = p[path: ["spec", "containers"]]?[0] ?? [:]
            c[path: ["resources", "limits"]] = limits
            p[path: ["spec", "containers"]] = [c]
        }
        return p
    }

    func claim(_ name: String, storage: String) -> JSON {
        ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": .string(name)],
         "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(storage)]]]]
    }

    func expectForbidden(_ r: APIResponse, _ message: String, name: String, kind: String = "pods", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 403, sourceLocation: sourceLocation)
        #expect(r.json?["reason"]?.string == "Forbidden", sourceLocation: sourceLocation)
        #expect(r.json?["message"]?.string == message, sourceLocation: sourceLocation)
        #expect(r.json?[path: ["details", "name"]]?.string == name && r.json?[path: ["details", "kind"]]?.string == kind, sourceLocation: sourceLocation)
    }

    @Test func aPodWithoutResourcesGetsTheDefaultsAndTheAnnotation() async throws {
        let s = try await TestServer()
        await limitRange(s, "limits", ["type": "Container", "default": ["cpu": "500m", "memory": "256Mi"],
                                       "defaultRequest": ["cpu": "100m", "memory": "128Mi"], "max": ["cpu": "1"]])
        let r = await s.send("POST", pods, body: pod("p"))
        #expect(r.status == 201)
        let stored = try #require(await s.send("GET", "\(pods)/p").json)
        let resources = stored[path: ["spec", "containers"]]?[0]?["resources"]
        #expect(resources == ["limits": ["cpu": "500m", "memory": "256Mi"], "requests": ["cpu": "100m", "memory": "128Mi"]])
        #expect(stored[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]]?.string
            == "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c")
        // The QoS class is computed from the defaulted resources.
        #expect(stored[path: ["status", "qosClass"]]?.string == "Burstable")
    }

    @Test func aDefaultLimitAloneAlsoBecomesTheRequest() async throws {
        let s = try await TestServer()
        await limitRange(s, "limits", ["type": "Container", "default": ["memory": "64Mi"]])
        _ = await s.send("POST", pods, body: pod("p"))
        let stored = try #require(await s.send("GET", "\(pods)/p").json)
        #expect(stored[path: ["spec", "containers"]]?[0]?["resources"] == ["limits": ["memory": "64Mi"], "requests": ["memory": "64Mi"]])
    }

    @Test func aContainersOwnLimitIsItsRequestNotTheDefaultRequest() async throws {
        let s = try await TestServer()
        await limitRange(s, "limits", ["type": "Container", "default": ["cpu": "500m"], "defaultRequest": ["cpu": "100m"]])
        _ = await s.send("POST", pods, body: podWith("p", limits: ["cpu": "300m"]))
        let stored = try #require(await s.send("GET", "\(pods)/p").json)
        #expect(stored[path: ["spec", "containers"]]?[0]?["resources"] == ["limits": ["cpu": "300m"], "requests": ["cpu": "300m"]])
        #expect(stored[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]] == nil)
        #expect(stored[path: ["status", "qosClass"]]?.string == "Burstable")
    }

    @Test func withoutLimitRangesNothingChanges() async throws {
        let s = try await TestServer()
        let r = await s.send("POST", pods, body: pod("p"))
        #expect(r.status == 201)
        #expect(r.json?[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]] == nil)
        #expect(r.json?[path: ["spec", "containers"]]?[0]?["resources"] == [:])
    }

    @Test func everyContainerRefusalCarriesUpstreamsMessage() async throws {
        let s = try await TestServer()
        await limitRange(s, "limits", ["type": "Container", "max": ["cpu": "500m"], "min": ["memory": "100Mi"],
                                       "maxLimitRequestRatio": ["cpu": "2"], "default": ["cpu": "500m", "memory": "200Mi"]])
        expectForbidden(await s.send("POST", pods, body: podWith("a", requests: ["cpu": "500m"], limits: ["cpu": "1"])),
                        #"pods "a" is forbidden: maximum cpu usage per Container is 500m, but limit is 1"#, name: "a")
        expectForbidden(await s.send("POST", pods, body: podWith("b", requests: ["memory": "50Mi", "cpu": "250m"])),
                        #"pods "b" is forbidden: minimum memory usage per Container is 100Mi, but request is 50Mi"#, name: "b")
        expectForbidden(await s.send("POST", pods, body: podWith("c", requests: ["cpu": "125m"], limits: ["cpu": "500m"])),
                        #"pods "c" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"#, name: "c")
        #expect(await s.send("GET", "\(pods)/a").status == 404)
        // Within bounds once the defaults are in: request 250m, limit 500m (the default), memory 200Mi.
        #expect(await s.send("POST", pods, body: podWith("ok", requests: ["cpu": "250m"])).status == 201)
    }

    @Test func podItemsJudgeTheWholePod() async throws {
        let s = try await TestServer()
        await limitRange(s, "pod", ["type": "Pod", "max": ["memory": "1Gi"]])
        var p = pod("two")
        p[path: ["spec", "containers"]] = [["name": "a", "image": "nginx", "resources": ["limits": ["memory": "768Mi"]]],
                                           ["name": "b", "image": "nginx", "resources": ["limits": ["memory": "768Mi"]]]]
        expectForbidden(await s.send("POST", pods, body: p),
                        #"pods "two" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1536Mi"#, name: "two")
    }

    @Test func aDryRunIsRefusedAlikeAndAGeneratedNameIsNamed() async throws {
        let s = try await TestServer()
        await limitRange(s, "limits", ["type": "Container", "max": ["cpu": "500m"]])
        expectForbidden(await s.send("POST", pods, query: "dryRun=All", body: podWith("d", limits: ["cpu": "1"])),
                        #"pods "d" is forbidden: maximum cpu usage per Container is 500m, but limit is 1"#, name: "d")
        var g = podWith("", limits: ["cpu": "1"])
        g["metadata"] = ["generateName": "web-"]
        let r = await s.send("POST", pods, body: g)
        #expect(r.status == 403)
        #expect(r.json?["message"]?.string?.hasPrefix(#"pods "web-"#) == true)
    }

    @Test func podUpdatesAreNotJudged() async throws {
        let s = try await TestServer()
        #expect(await s.send("POST", pods, body: podWith("p", limits: ["cpu": "1"])).status == 201)
        await limitRange(s, "limits", ["type": "Container", "max": ["cpu": "500m"]])
        let r = await s.send("PATCH", "\(pods)/p", body: ["metadata": ["labels": ["a": "b"]]], contentType: "application/merge-patch+json")
        #expect(r.status == 200)
    }

    @Test func claimsAreHeldToStorageBoundsOnCreateAndUpdate() async throws {
        let s = try await TestServer()
        await limitRange(s, "storage", ["type": "PersistentVolumeClaim", "min": ["storage": "1Gi"], "max": ["storage": "10Gi"]])
        expectForbidden(await s.send("POST", claims, body: claim("big", storage: "20Gi")),
                        #"persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"#,
                        name: "big", kind: "persistentvolumeclaims")
        expectForbidden(await s.send("POST", claims, body: claim("small", storage: "500Mi")),
                        #"persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"#,
                        name: "small", kind: "persistentvolumeclaims")
        #expect(await s.send("POST", claims, body: claim("data", storage: "5Gi")).status == 201)
        let grow: JSON = ["spec": ["resources": ["requests": ["storage": "11Gi"]]]]
        expectForbidden(await s.send("PATCH", "\(claims)/data", body: grow, contentType: "application/merge-patch+json"),
                        #"persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 11Gi"#,
                        name: "data", kind: "persistentvolumeclaims")
        let stored = try #require(await s.send("GET", "\(claims)/data").json)
        #expect(stored[path: ["spec", "resources", "requests", "storage"]]?.string == "5Gi")
        let fine: JSON = ["spec": ["resources": ["requests": ["storage": "8Gi"]]]]
        #expect(await s.send("PATCH", "\(claims)/data", body: fine, contentType: "application/merge-patch+json").status == 200)
    }

    @Test func otherNamespacesRangesDoNotApply() async throws {
        let s = try await TestServer()
        _ = await s.send("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "other"]])
        let r = await s.send("POST", "/api/v1/namespaces/other/limitranges",
                             body: ["apiVersion": "v1", "kind": "LimitRange", "metadata": ["name": "l"], "spec": ["limits": [["type": "Container", "max": ["cpu": "100m"]]]]])
        #expect(r.status == 201)
        #expect(await s.send("POST", pods, body: podWith("p", limits: ["cpu": "1"])).status == 201)
    }
}
