import APIMachinery
import APIServer
import Client
import Controllers
import Logging
import Storage
import Testing
import TestSupport
@testable import DNS

/// The DNS server fed by informers from a real API server, publishing kube-dns's endpoints while the
/// project's Endpoints and EndpointSlice controllers run beside it.
@Suite("DNS against an API server", .serialized, .timeLimit(.minutes(1)))
struct ClusterEndToEndTests {
    static func startAPIServer() async throws -> (KubeClient, Task<Void, Error>) {
        let server = try await TestAPIServer.start()
        return (server.client(userAgent: "skiff-dns-tests"), server.task)
    }

    @Test func servesTheAPIServersObjectsAndKeepsKubeDNSEndpoints() async throws {
        let (client, apiserver) = try await Self.startAPIServer()
        var logger = Logger(label: "dns-test")
        logger.logLevel = .critical
        for ns in ["kube-system", "default"] {
            do { try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]]) } catch let e as APIError where e.code == 409 {}
        }
        // kube-dns as the cluster tool creates it: selectorless.
        let kubeDNS = try await client.create(.services.inNamespace("kube-system"), [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "kube-dns", "labels": ["k8s-app": "kube-dns"]],
            "spec": ["ports": [["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"]]],
        ])
        let clusterIP = try #require(kubeDNS[path: ["spec", "clusterIP"]]?.string)

        let state = ClusterState()
        let watcher = ClusterWatcher(client: client, state: state, logger: logger)
        let informers = SharedInformers(client: client)
        let endpoints = EndpointsController(client: client, informers: informers)
        let slices = EndpointSliceController(client: client, informers: informers)
        let server = try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: state), listen: ListenAddress("127.0.0.1:0")!)
        // The address a node namespace would have: the API server (as upstream) refuses loopback endpoints.
        let publisher = EndpointPublisher(client: client, address: IPAddress("172.30.0.2")!, port: server.port, logger: logger)
        let background = Task {
            await withTaskGroup(of: Void.self) { g in
                g.addTask { await watcher.run() }
                g.addTask { await informers.run() }
                g.addTask { await endpoints.run(workers: 1) }
                g.addTask { await slices.run(workers: 1) }
                g.addTask { await publisher.run(interval: .milliseconds(200)) }
            }
        }
        defer {
            background.cancel()
            Task { await server.shutdown() }
        }
        #expect(await watcher.waitForSync())

        func ask(_ name: String, _ type: DNSRecordType) async throws -> DNSMessage {
            try await DNSProbe.query(DNSMessage.query(id: UInt16.random(in: 1...0xFFFF), name: try DNSName(name), type: type), server: server.address)
        }

        #expect(try await eventually { try await ask("kube-dns.kube-system.svc.cluster.local", .a).answers.map(\.data) == [.a(IPv4Address(clusterIP)!)] })
        // The published slice makes kube-dns's endpoint visible to DNS as well.
        #expect(try await eventually {
            try await ask("172-30-0-2.kube-dns.kube-system.svc.cluster.local", .a).answers.map(\.data) == [.a(IPv4Address(172, 30, 0, 2))]
        })

        // A headless service with a hand-written slice, then its removal.
        _ = try await client.create(.services.inNamespace("default"), [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "db"], "spec": ["clusterIP": "None", "ports": [["name": "pg", "port": 5432]]],
        ])
        _ = try await client.create(.endpointslices.inNamespace("default"), Fixtures.slice("default", "db-1", service: "db",
            endpoints: [("10.244.0.5", "db-0", true)], ports: [("pg", 5432, "TCP")]).merging(["apiVersion": "discovery.k8s.io/v1"]))
        #expect(try await eventually { try await ask("db-0.db.default.svc.cluster.local", .a).answers.count == 1 })
        _ = try await client.delete(.services.inNamespace("default"), "db")
        #expect(try await eventually { try await ask("db.default.svc.cluster.local", .a).rcode == .nameError })

        // The controllers leave the published objects alone: they hold this server's address still, and no
        // controller-made slice appeared for the selectorless Service.
        try await Task.sleep(for: .milliseconds(600))
        let slice = try await client.get(.endpointslices.inNamespace("kube-system"), EndpointPublisher.sliceName)
        #expect(slice[path: ["endpoints"]]?[0]?["addresses"]?[0]?.string == "172.30.0.2")
        #expect(slice[path: ["ports"]]?.array?.compactMap { $0["port"]?.int }.allSatisfy { $0 == Int64(server.port) } == true)
        let ep = try await client.get(.endpoints.inNamespace("kube-system"), "kube-dns")
        #expect(ep[path: ["subsets"]]?[0]?["addresses"]?[0]?["ip"]?.string == "172.30.0.2")
        let all = try await client.list(.endpointslices.inNamespace("kube-system"), query: ["labelSelector": "kubernetes.io/service-name=kube-dns"])
        #expect(all["items"]?.array?.map { $0[path: ["metadata", "name"]]?.string ?? "" } == [EndpointPublisher.sliceName])

        // Edited by someone else: put back.
        var broken = ep
        broken["subsets"] = nil
        _ = try await client.update(.endpoints.inNamespace("kube-system"), broken)
        #expect(try await eventually {
            try await client.get(.endpoints.inNamespace("kube-system"), "kube-dns")[path: ["subsets"]]?[0]?["addresses"]?[0]?["ip"]?.string == "172.30.0.2"
        })

        background.cancel()
        _ = await background.value
        await client.shutdown()
        apiserver.cancel()
        _ = await apiserver.result
    }
}

extension JSON {
    func merging(_ other: [String: JSON]) -> JSON {
        var copy = self
        for (k, v) in other { copy[k] = v }
        return copy
    }
}
