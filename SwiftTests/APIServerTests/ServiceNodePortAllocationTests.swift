import APIMachinery
import Foundation
import Testing

@testable import APIServer

/// Node ports follow a Service's type and traffic policy across updates, as upstream's `allocateUpdate`:
/// taken when the new spec needs them (before validation, which requires them), returned when it stops.
@Suite struct ServiceNodePortAllocationTests {
    let services = "/api/v1/namespaces/default/services"

    static func service(_ name: String, type: String, extra: JSON = [:]) -> JSON {
        var spec: JSON = ["type": .string(type), "selector": ["app": "web"], "ports": [["name": "http", "port": 80, "targetPort": 8080]]]
        for (k, v) in extra.object ?? [:] { spec[k] = v }
        return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func nodePort(_ s: JSON?) -> Int64? { s?[path: ["spec", "ports"]]?.array?.first?["nodePort"]?.int }

    func merge(_ s: TestServer, _ name: String, _ patch: JSON) async -> APIResponse {
        await s.send("PATCH", services + "/" + name, body: patch, contentType: "application/merge-patch+json")
    }

    @Test func localPolicyGetsAHealthCheckNodePortOnCreateAndUpdate() async throws {
        let s = try await TestServer()
        let local = await s.send("POST", services, body: Self.service("local", type: "LoadBalancer", extra: ["externalTrafficPolicy": "Local"]))
        #expect(local.status == 201, "\(local.json ?? [:])")
        #expect((local.json?[path: ["spec", "healthCheckNodePort"]]?.int ?? 0) >= 30000)

        #expect(await s.send("POST", services, body: Self.service("lb", type: "LoadBalancer")).status == 201)
        let patched = await merge(s, "lb", ["spec": ["externalTrafficPolicy": "Local"]])
        #expect(patched.status == 200, "\(patched.json ?? [:])")
        let hc = patched.json?[path: ["spec", "healthCheckNodePort"]]?.int ?? 0
        #expect(hc >= 30000 && hc != local.json?[path: ["spec", "healthCheckNodePort"]]?.int)

        // Back to Cluster: the health check port is dropped and free again for anyone who asks for it.
        let back = await merge(s, "lb", ["spec": ["externalTrafficPolicy": "Cluster"]])
        #expect(back.status == 200 && back.json?[path: ["spec", "healthCheckNodePort"]] == nil)
        let reuse = await s.send("POST", services, body: Self.service("reuse", type: "NodePort", extra: ["ports": [["port": 80, "nodePort": .int(hc)]]]))
        #expect(reuse.status == 201, "\(reuse.json ?? [:])")
    }

    @Test func typeChangesTakeAndReturnNodePorts() async throws {
        let s = try await TestServer()
        #expect(await s.send("POST", services, body: Self.service("web", type: "ClusterIP")).status == 201)
        let np = await merge(s, "web", ["spec": ["type": "NodePort"]])
        #expect(np.status == 200, "\(np.json ?? [:])")
        let port = Self.nodePort(np.json) ?? 0
        #expect(port >= 30000)

        // A PUT without the ports' nodePort and type ClusterIP: nothing patched back, the port is released.
        var s2 = np.json!
        s2[path: ["spec", "type"]] = "ClusterIP"
        s2[path: ["spec", "externalTrafficPolicy"]] = nil
        s2[path: ["spec", "ports"]] = [["name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"]]
        let cip = await s.send("PUT", services + "/web", body: s2)
        #expect(cip.status == 200, "\(cip.json ?? [:])")
        #expect(Self.nodePort(cip.json) == nil)
        let reuse = await s.send("POST", services, body: Self.service("reuse", type: "NodePort", extra: ["ports": [["port": 80, "nodePort": .int(port)]]]))
        #expect(reuse.status == 201, "\(reuse.json ?? [:])")

        // Asking for a port someone holds is upstream's 422, and the failed update takes nothing.
        #expect(await s.send("POST", services, body: Self.service("other", type: "ClusterIP")).status == 201)
        let taken = await merge(s, "other", ["spec": ["type": "NodePort", "ports": [["name": "http", "port": 80, "nodePort": .int(port)]]]])
        #expect(taken.status == 422)
        #expect(taken.json?["message"]?.string == "Service \"other\" is invalid: spec.ports[0].nodePort: Invalid value: \(port): provided port is already allocated")
    }

    @Test func aRefusedCreateReturnsItsPorts() async throws {
        let s = try await TestServer()
        // Invalid (a bad selector key), yet asks for a node port: refused, and the port stays free.
        let bad = await s.send("POST", services, body: Self.service("bad", type: "NodePort",
                                                                    extra: ["ports": [["port": 80, "nodePort": 30123]], "selector": ["bad key": "x"]]))
        #expect(bad.status == 422)
        let good = await s.send("POST", services, body: Self.service("good", type: "NodePort", extra: ["ports": [["port": 80, "nodePort": 30123]]]))
        #expect(good.status == 201, "\(good.json ?? [:])")
    }
}
