import APIMachinery
@testable import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite struct LoadBalancerIPAllocatorTests {
    let a = LoadBalancerIPAllocator(pool: "172.31.0.128/29")!

    @Test func handsOutTheLowestFreeAddressButNeverThePoolsEnds() {
        #expect(a.usable == IPv4CIDR.parseAddress("172.31.0.129")!...IPv4CIDR.parseAddress("172.31.0.134")!)
        #expect(a.allocate(inUse: []) == .success("172.31.0.129"))
        #expect(a.allocate(inUse: ["172.31.0.129", "172.31.0.131", "10.0.0.1"]) == .success("172.31.0.130"))
        let all = Set((129...134).map { "172.31.0.\($0)" })
        #expect(a.allocate(inUse: all) == .failure(.exhausted(pool: "172.31.0.128/29")))
        #expect(!a.isAllocatable("172.31.0.128") && !a.isAllocatable("172.31.0.135") && a.isAllocatable("172.31.0.134"))
    }

    @Test func honoursARequestedAddressInsideThePoolWhenFree() {
        #expect(a.allocate(requested: "172.31.0.133", inUse: ["172.31.0.129"]) == .success("172.31.0.133"))
        #expect(a.allocate(requested: "172.31.0.133", inUse: ["172.31.0.133"]) == .failure(.requestedInUse("172.31.0.133")))
        #expect(a.allocate(requested: "10.0.0.5", inUse: []) == .failure(.requestedOutsidePool("10.0.0.5", pool: "172.31.0.128/29")))
        #expect(a.allocate(requested: "172.31.0.128", inUse: []) == .failure(.requestedOutsidePool("172.31.0.128", pool: "172.31.0.128/29")))
        #expect(a.allocate(requested: "", inUse: []) == .success("172.31.0.129"))
    }

    @Test func poolsMustBeIPv4CIDRsWithRoomForAnAddress() {
        #expect(LoadBalancerIPAllocator(pool: "172.31.0.128/25") != nil)
        for bad in ["172.31.0.128/31", "172.31.0.1", "fd00::/64", "172.31.0.0/33", "x", "", "172.31.0/24", "172.31.0.0/+8"] {
            #expect(LoadBalancerIPAllocator(pool: bad) == nil, "\(bad)")
        }
    }

    /// Random use patterns: an allocation is always inside the usable range and never one in use.
    @Test func randomUseNeverYieldsATakenOrOutsideAddress() {
        var rng = SystemRandomNumberGenerator()
        let pool = LoadBalancerIPAllocator(pool: "10.9.8.0/28")!
        for _ in 0..<500 {
            let used = Set((0..<Int.random(in: 0...16, using: &rng)).map { _ in "10.9.8.\(Int.random(in: 0...20, using: &rng))" })
            switch pool.allocate(inUse: used) {
            case .success(let ip):
                #expect(!used.contains(ip) && pool.isAllocatable(ip))
            case .failure(let f):
                #expect(f == .exhausted(pool: "10.9.8.0/28"))
                #expect((1...14).allSatisfy { used.contains("10.9.8.\($0)") })
            }
        }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct ServiceLoadBalancerControllerTests {
    static let services = ResourcePath.services.inNamespace("t")

    func setup(pool: String = "172.31.5.128/29") -> (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void] {
        { client, informers, events in
            let c = ServiceLoadBalancerController(client: client, informers: informers, allocator: LoadBalancerIPAllocator(pool: pool)!,
                                                  recorder: events.recorder(component: "service-controller"))
            ControllerQueues.track(c.queue, workers: 1)
            return [{ await c.run() }]
        }
    }

    static func service(_ name: String, type: String = "LoadBalancer", extra: JSON = [:]) -> JSON {
        var spec: JSON = ["type": .string(type), "ports": [["port": 80, "targetPort": 8080, "protocol": "TCP"]], "selector": ["app": "web"]]
        for (k, v) in extra.object ?? [:] { spec[k] = v }
        return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func ingress(_ s: JSON) -> [JSON] { s[path: ["status", "loadBalancer", "ingress"]]?.array ?? [] }

    @Test func eachLoadBalancerGetsItsOwnAddressWithIPModeVIP() async throws {
        try await withControllers(setup()) { cluster in
            let c = cluster.client
            for n in ["a", "b", "c"] { try await c.create(Self.services, Self.service(n)) }
            try await c.create(Self.services, Self.service("plain", type: "ClusterIP"))
            #expect(try await eventually {
                let items = try await c.list(Self.services)["items"]?.array ?? []
                return items.filter { !Self.ingress($0).isEmpty }.count == 3
            })
            #expect(try await cluster.quiesced())
            var seen = Set<String>()
            for n in ["a", "b", "c"] {
                let s = try await c.get(Self.services, n)
                let ing = Self.ingress(s)
                #expect(ing.count == 1 && ing[0]["ipMode"]?.string == "VIP")
                let ip = ing[0]["ip"]!.string!
                #expect(IPv4CIDR("172.31.5.128/29")!.contains(ip))
                #expect(seen.insert(ip).inserted, "address \(ip) handed out twice")
                // The API server allocated the node port LoadBalancer Services need.
                #expect((s[path: ["spec", "ports"]]?.array?.first?["nodePort"]?.int ?? 0) >= 30000)
            }
            #expect(Self.ingress(try await c.get(Self.services, "plain")).isEmpty)
            let events = try await c.list(ResourcePath.events.inNamespace("t"))["items"]?.array ?? []
            #expect(events.contains { $0["reason"]?.string == "EnsuredLoadBalancer" && $0[path: ["involvedObject", "name"]]?.string == "a" })
        }
    }

    @Test func requestedAddressesClassesAndTypeChanges() async throws {
        try await withControllers(setup()) { cluster in
            let c = cluster.client
            try await c.create(Self.services, Self.service("wants", extra: ["loadBalancerIP": "172.31.5.133"]))
            try await c.create(Self.services, Self.service("classy", extra: ["loadBalancerClass": "example.com/other"]))
            #expect(try await eventually { Self.ingress(try await c.get(Self.services, "wants")).first?["ip"]?.string == "172.31.5.133" })
            #expect(try await cluster.quiesced())
            #expect(Self.ingress(try await c.get(Self.services, "classy")).isEmpty)

            // Back to ClusterIP: the address is taken back, and the next Service may have it.
            var s = try await c.get(Self.services, "wants")
            s[path: ["spec", "type"]] = "ClusterIP"
            s[path: ["spec", "loadBalancerIP"]] = nil
            s[path: ["spec", "allocateLoadBalancerNodePorts"]] = nil
            s[path: ["spec", "externalTrafficPolicy"]] = nil
            s[path: ["spec", "ports"]] = [["port": 80, "targetPort": 8080, "protocol": "TCP"]]
            try await c.update(Self.services, s)
            #expect(try await eventually { Self.ingress(try await c.get(Self.services, "wants")).isEmpty })
            try await c.create(Self.services, Self.service("next", extra: ["loadBalancerIP": "172.31.5.133"]))
            #expect(try await eventually { Self.ingress(try await c.get(Self.services, "next")).first?["ip"]?.string == "172.31.5.133" })
        }
    }

    @Test func aFullPoolLeavesTheServicePendingWithAWarningUntilAnAddressIsFreed() async throws {
        // A /30 has two usable addresses.
        try await withControllers(setup(pool: "172.31.5.128/30")) { cluster in
            let c = cluster.client
            for n in ["a", "b"] { try await c.create(Self.services, Self.service(n)) }
            #expect(try await eventually {
                let items = try await c.list(Self.services)["items"]?.array ?? []
                return items.filter { !Self.ingress($0).isEmpty }.count == 2
            })
            try await c.create(Self.services, Self.service("late"))
            #expect(try await eventually {
                let events = try await c.list(ResourcePath.events.inNamespace("t"))["items"]?.array ?? []
                return events.contains { $0["reason"]?.string == "SyncLoadBalancerFailed" && $0[path: ["involvedObject", "name"]]?.string == "late" }
            })
            #expect(Self.ingress(try await c.get(Self.services, "late")).isEmpty)
            let freed = Self.ingress(try await c.get(Self.services, "a")).first?["ip"]?.string
            try await c.delete(Self.services, "a")
            #expect(try await eventually(timeout: .seconds(60)) { Self.ingress(try await c.get(Self.services, "late")).first?["ip"]?.string == freed })
        }
    }
}
