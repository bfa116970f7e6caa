import APIMachinery
import Client
import Foundation
import Kubelet
import Logging
import TestSupport
import Testing

/// Many simulated nodes in one process, against a real API server: each registers, heartbeats, runs the
/// pods bound to it and answers on its own endpoint; a node removed or paused goes silent and a resumed
/// one comes back with its pods.
@Suite struct NodeSimulatorTests {
    struct Harness {
        let api: TestAPIServer
        let client: KubeClient
        let root: URL
        let simulator: NodeSimulator

        func node(_ name: String, _ index: Int, paused: Bool = false) -> SimulatedNode {
            SimulatedNode(name: name, podCIDR: "10.244.\(index).0/24", rootDir: root.appendingPathComponent(name), paused: paused)
        }

        func endpoint(_ port: Int, _ path: String) async throws -> JSON {
            let c = KubeClient(ClientConfig(server: "http://127.0.0.1:\(port)", userAgent: "test"))
            defer { Task { await c.shutdown() } }
            let (status, body) = try await c.raw(.GET, path)
            guard status == 200 else { throw APIError.badRequest("\(path) answered \(status)") }
            return try JSON.parse(body)
        }

        /// Whether something accepts TCP connections on the loopback port (a plain connect: an HTTP client
        /// would keep retrying a refused connection until its deadline).
        func listens(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }

        func renewTime(_ node: String) async -> String? {
            try? await client.get(ResourcePath.leases.inNamespace("kube-node-lease"), node)[path: ["spec", "renewTime"]]?.string
        }
    }

    func harness() async throws -> Harness {
        let api = try await TestAPIServer.start()
        let client = api.client(userAgent: "node-simulator-test")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nodesim-\(UUID().uuidString)")
        var settings = NodeSimulator.Settings(endpoint: KubeletServerConfig(logPaths: PodLogPaths(kubeletRoot: root)))
        settings.endpoint.port = 0
        settings.leaseRenewInterval = .milliseconds(200)
        var logger = Logger(label: "node-simulator-test")
        logger.logLevel = .critical
        let simulator = try NodeSimulator(client: client, settings: settings, expectedNodes: 3, logger: logger)
        return Harness(api: api, client: client, root: root, simulator: simulator)
    }

    @Test func nodesRunTheirPodsAnswerOnTheirOwnPortsAndCanBeRemovedPausedAndResumed() async throws {
        let h = try await harness()
        let (desired, nodes) = AsyncStream.makeStream(of: [SimulatedNode].self)
        let running = Task { await h.simulator.run(desired) }
        defer {
            nodes.finish()
            running.cancel()
            Task {
                await h.client.shutdown()
                await h.api.stop()
                try? FileManager.default.removeItem(at: h.root)
            }
        }
        nodes.yield([h.node("a", 0), h.node("b", 1), h.node("c", 2)])

        // Each node registers with the port of its own endpoint.
        #expect(await eventually { (try? await h.client.list(.nodes))?["items"]?.array?.count == 3 })
        let ports = ["a", "b", "c"].compactMap { h.simulator.port(of: $0) }
        #expect(Set(ports).count == 3)
        let b = try await h.client.get(.nodes, "b")
        #expect(b[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.int == Int64(ports[1]))
        #expect(b[path: ["spec", "podCIDR"]]?.string == "10.244.1.0/24")

        // A pod bound to b runs there, with an address of b's range, and only b's endpoint counts it.
        let pods = ResourcePath.pods.inNamespace("default")
        try await h.client.create(pods, [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
            "spec": ["nodeName": "b", "containers": [["name": "c", "image": "busybox"]]],
        ])
        func podRuns() async -> Bool {
            guard let p = try? await h.client.get(pods, "p") else { return false }
            return p[path: ["status", "phase"]]?.string == "Running"
                && p[path: ["status", "podIP"]]?.string?.hasPrefix("10.244.1.") == true
        }
        #expect(await eventually { await podRuns() })
        #expect(await eventually {
            (try? await h.endpoint(ports[1], "/stats/summary"))?["pods"]?.array?.count == 1
        })
        let summaryB = try await h.endpoint(ports[1], "/stats/summary")
        #expect(summaryB[path: ["node", "nodeName"]]?.string == "b")
        let summaryA = try await h.endpoint(ports[0], "/stats/summary")
        #expect(summaryA[path: ["node", "nodeName"]]?.string == "a")
        #expect(summaryA["pods"]?.array?.isEmpty ?? true)

        // c removed, b paused: neither answers, and b's Lease is no longer renewed while a's is.
        nodes.yield([h.node("a", 0), h.node("b", 1, paused: true)])
        #expect(await eventually { h.simulator.runningNodes == ["a"] })
        #expect(h.listens(ports[0]))
        #expect(await eventually { !h.listens(ports[2]) && !h.listens(ports[1]) })
        let frozen = await h.renewTime("b")
        let aBefore = await h.renewTime("a")
        #expect(await eventually { await h.renewTime("a") != aBefore })
        let aLater = await h.renewTime("a")
        #expect(await eventually { await h.renewTime("a") != aLater })
        #expect(await h.renewTime("b") == frozen)

        // Resumed, b heartbeats again and still runs its pod.
        nodes.yield([h.node("a", 0), h.node("b", 1)])
        #expect(await eventually { h.simulator.runningNodes == ["a", "b"] })
        #expect(await eventually { await h.renewTime("b") != frozen })
        #expect(await podRuns())
        let resumedPort = try #require(h.simulator.port(of: "b"))
        #expect(await eventually { (try? await h.endpoint(resumedPort, "/stats/summary"))?["pods"]?.array?.count == 1 })
    }
}
