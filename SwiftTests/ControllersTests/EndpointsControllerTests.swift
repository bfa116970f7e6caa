import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct EndpointsControllerTests {
    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let ep = EndpointsController(client: client, informers: informers)
        let eps = EndpointSliceController(client: client, informers: informers)
        ControllerQueues.track(ep.queue, workers: 2)
        ControllerQueues.track(eps.queue, workers: 2)
        return [{ await ep.run(workers: 2) }, { await eps.run(workers: 2) }]
    }

    static let servicesInT = ResourcePath.services.inNamespace("t")
    static let endpointsInT = ResourcePath.endpoints.inNamespace("t")
    static let slicesInT = ResourcePath.endpointslices.inNamespace("t")

    func service(_ name: String, selector: [String: String]?, ports: JSON) -> JSON {
        var s: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "labels": ["team": "a"]],
                       "spec": ["ports": ports]]
        if let selector { s[path: ["spec", "selector"]] = .from(selector) }
        return s
    }

    func pod(_ name: String, labels: [String: String] = ["app": "nginx"], node: String? = nil) -> JSON {
        var p: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": .from(labels)],
                       "spec": ["containers": [["name": "web", "image": "nginx:alpine",
                                                "ports": [["name": "web", "containerPort": 8080, "protocol": "TCP"]]]]]]
        if let node { p[path: ["spec", "nodeName"]] = .string(node) }
        return p
    }

    /// What `kubectl get endpoints` prints in its ENDPOINTS column: ready addresses with each port.
    func printed(_ ep: JSON) -> [String] {
        (ep["subsets"]?.array ?? []).flatMap { s in
            (s["ports"]?.array ?? []).flatMap { p in
                (s["addresses"]?.array ?? []).map { "\($0["ip"]?.string ?? ""):\(p["port"]?.int ?? 0)" }
            }
        }
    }

    func slices(_ c: KubeClient, _ service: String) async throws -> [JSON] {
        try await c.items(Self.slicesInT, labelSelector: "kubernetes.io/service-name=\(service)")
    }

    @Test func listsReadyPodsAndSeparatesNotReadyOnes() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let svc = try await c.create(Self.servicesInT, service("nginx-service", selector: ["app": "nginx"],
                                                                  ports: [["name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"]]))
            let kubelet = FakeKubelet(client: c)
            var ips: [String] = []
            for i in 0..<3 {
                let p = try await c.create(podsInT, pod("ready-\(i)", node: "node-a"))
                let ip = "10.244.1.\(10 + i)"
                ips.append(ip)
                try await kubelet.markRunning(p, ready: true, ip: ip)
            }
            let unready = try await c.create(podsInT, pod("unready"))
            try await kubelet.markRunning(unready, ready: false, ip: "10.244.1.50")
            try await c.create(podsInT, pod("no-ip"))
            try await c.create(podsInT, pod("other", labels: ["app": "other"]))

            let wanted = ips.map { "\($0):80" }
            #expect(try await eventually {
                let ep = try? await c.get(Self.endpointsInT, "nginx-service")
                return ep.map { printed($0) == wanted && $0["subsets"]?[0]?["notReadyAddresses"] != nil } ?? false
            })
            let ep = try await c.get(Self.endpointsInT, "nginx-service")
            let subsets = try #require(ep["subsets"]?.array)
            #expect(subsets.count == 1)
            #expect(subsets[0]["notReadyAddresses"]?.array?.map { $0["ip"]?.string } == ["10.244.1.50"])
            #expect(subsets[0]["ports"] == [["name": "http", "port": 80, "protocol": "TCP"]])
            let first = try #require(subsets[0]["addresses"]?[0])
            #expect(first["nodeName"] == "node-a")
            #expect(first[path: ["targetRef", "kind"]] == "Pod" && first[path: ["targetRef", "name"]] == "ready-0")
            #expect(ep.labels == ["team": "a"])

            #expect(try await eventually { try await slices(c, "nginx-service").first?["endpoints"]?.array?.count == 4 })
            let slice = try #require(try await slices(c, "nginx-service").first)
            #expect(try await slices(c, "nginx-service").count == 1)
            #expect(slice.name.hasPrefix("nginx-service-"))
            #expect(slice.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")
            #expect(slice.labels["team"] == "a")
            #expect(slice["addressType"] == "IPv4")
            #expect(slice["ports"] == [["name": "http", "port": 80, "protocol": "TCP"]])
            let ref = try #require(slice.controllerRef)
            #expect(ref.kind == "Service" && ref.uid == svc.uid && ref.blockOwnerDeletion)
            let endpoints = try #require(slice["endpoints"]?.array)
            let byName = Dictionary(uniqueKeysWithValues: endpoints.map { ($0[path: ["targetRef", "name"]]?.string ?? "", $0) })
            #expect(byName["ready-0"]?["addresses"] == ["10.244.1.10"])
            #expect(byName["ready-0"]?["conditions"] == ["ready": true, "serving": true, "terminating": false])
            #expect(byName["ready-0"]?["nodeName"] == "node-a")
            #expect(byName["unready"]?["conditions"] == ["ready": false, "serving": false, "terminating": false])
            #expect(byName["no-ip"] == nil && byName["other"] == nil)

            // The unready pod becomes ready; a ready one goes away.
            try await kubelet.markRunning(try await c.get(podsInT, "unready"), ready: true)
            try await c.delete(podsInT, "ready-0")
            let expected = ["10.244.1.11:80", "10.244.1.12:80", "10.244.1.50:80"]
            #expect(try await eventually { printed(try await c.get(Self.endpointsInT, "nginx-service")) == expected })
            #expect(try await eventually {
                // ready-0 is on a node: its deletion waits for the kubelet, and the slice shows it terminating.
                let eps = try await slices(c, "nginx-service").first?["endpoints"]?.array ?? []
                let terminating = eps.filter { $0[path: ["conditions", "terminating"]] == true }
                return eps.count == 4 && terminating.count == 1 && terminating[0][path: ["targetRef", "name"]] == "ready-0"
                    && terminating[0]["conditions"] == ["ready": false, "serving": true, "terminating": true]
                    && eps.filter { $0[path: ["conditions", "ready"]] == true }.count == 3
            })
            #expect(try await c.get(Self.endpointsInT, "nginx-service")["subsets"]?[0]?["notReadyAddresses"] == nil)
        }
    }

    @Test func resolvesNamedTargetPortsAndSkipsPodsWithoutThem() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(Self.servicesInT, service("named", selector: ["app": "nginx"],
                                                        ports: [["name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"]]))
            let kubelet = FakeKubelet(client: c)
            let withPort = try await c.create(podsInT, pod("with-port"))
            try await kubelet.markRunning(withPort, ready: true, ip: "10.244.2.1")
            var bare = pod("bare")
            bare[path: ["spec", "containers"]] = [["name": "web", "image": "nginx:alpine"]]
            try await kubelet.markRunning(try await c.create(podsInT, bare), ready: true, ip: "10.244.2.2")
            #expect(try await eventually {
                (try? await c.get(Self.endpointsInT, "named")).map { printed($0) == ["10.244.2.1:8080"] } ?? false
            })
            #expect(try await eventually {
                // Upstream keeps pods without the port in a slice of their own with no ports.
                let s = try await slices(c, "named")
                let withPort = s.first { $0["ports"]?[0]?["port"] == 8080 }, without = s.first { ($0["ports"]?.array ?? []).isEmpty }
                return s.count == 2 && withPort?["endpoints"]?[0]?[path: ["targetRef", "name"]] == "with-port"
                    && without?["endpoints"]?[0]?[path: ["targetRef", "name"]] == "bare"
            })
        }
    }

    @Test func servicesWithoutSelectorAreLeftAloneAndEmptyOnesGetAPlaceholder() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(Self.servicesInT, service("manual", selector: nil, ports: [["port": 80, "protocol": "TCP"]]))
            try await c.create(Self.servicesInT, service("empty", selector: ["app": "none"], ports: [["port": 80, "protocol": "TCP"]]))
            #expect(try await eventually { try await slices(c, "empty").count == 1 })
            let placeholder = try await slices(c, "empty")[0]
            #expect((placeholder["endpoints"]?.array ?? []).isEmpty)
            #expect(try await eventually { (try? await c.get(Self.endpointsInT, "empty")) != nil })
            #expect(try await c.get(Self.endpointsInT, "empty")["subsets"] == nil)
            #expect(try await cluster.quiesced())
            #expect(try await slices(c, "manual").isEmpty)
            await #expect(throws: APIError.self) { try await c.get(Self.endpointsInT, "manual") }
            // Deleting the Service deletes its Endpoints.
            try await c.delete(Self.servicesInT, "empty")
            #expect(try await eventually { (try? await c.get(Self.endpointsInT, "empty")) == nil })
        }
    }
}

@Suite struct RepackTests {
    @Test func groupsAddressesByPortSets() {
        func a(_ ip: String) -> JSON { ["ip": .string(ip), "targetRef": ["uid": .string(ip)]] }
        let p80: JSON = ["port": 80, "protocol": "TCP"], p443: JSON = ["port": 443, "protocol": "TCP"]
        let subsets = EndpointsController.repack([
            (a("10.0.0.2"), true, p80), (a("10.0.0.2"), true, p443),
            (a("10.0.0.1"), true, p80), (a("10.0.0.1"), true, p443),
            (a("10.0.0.3"), false, p80),
            // The same address ready through one entry wins over not-ready through another.
            (a("10.0.0.4"), false, p443), (a("10.0.0.4"), true, p443),
        ])
        // Ports with identical address sets share a subset; here 80 and 443 differ (10.0.0.3 vs 10.0.0.4).
        #expect(subsets.count == 2)
        let s80 = subsets.first { $0["ports"] == [p80] }, s443 = subsets.first { $0["ports"] == [p443] }
        #expect(s80?["addresses"]?.array?.compactMap { $0["ip"]?.string } == ["10.0.0.1", "10.0.0.2"])
        #expect(s80?["notReadyAddresses"]?.array?.compactMap { $0["ip"]?.string } == ["10.0.0.3"])
        #expect(s443?["addresses"]?.array?.compactMap { $0["ip"]?.string } == ["10.0.0.1", "10.0.0.2", "10.0.0.4"])
        #expect(s443?["notReadyAddresses"] == nil)
        // Same addresses on both ports: one subset with both ports, ordered.
        let merged = EndpointsController.repack([(a("10.0.0.9"), true, p443), (a("10.0.0.10"), true, p80),
                                                 (a("10.0.0.10"), true, p443), (a("10.0.0.9"), true, p80)])
        #expect(merged.count == 1)
        #expect(merged[0]["ports"] == [p80, p443])
        #expect(merged[0]["addresses"]?.array?.compactMap { $0["ip"]?.string } == ["10.0.0.10", "10.0.0.9"])
    }
}
