import ArgumentParser
import Client
import Foundation
import Ingress
import Logging
import NIOCore
import NIOPosix

/// `skiff ingress`: the built-in Ingress controller (k3s ships Traefik, kind documents ingress-nginx; Skiff
/// has no internet to fetch either). A process in the root namespace, like the cluster DNS, whose listening
/// sockets and backend connections live in the control-plane node's network namespace.
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingress", abstract: "Run the built-in Ingress controller.")

    @Option(help: "Kubeconfig with the API server and credentials to watch Ingresses, IngressClasses, Services, EndpointSlices and TLS Secrets.")
    var kubeconfig: String
    @Option(help: "IPv4 address to listen on.") var listenAddress = "127.0.0.1"
    @Option(help: "Port for HTTP.") var httpPort = 80
    @Option(help: "Port for HTTPS (HTTP/2 or HTTP/1.1 by ALPN).") var httpsPort = 443
    @Option(help: "Network namespace (e.g. /run/netns/skiff-C-control-plane) to listen and dial backends in; the process stays where it is.")
    var netns: String?
    @Option(help: "namespace/name of the Service whose LoadBalancer addresses the Ingresses' status reports.")
    var publishService: String?
    @Option(help: "Keep the publish Service's endpoints (EndpointSlice <name>-skiff, Endpoints <name>) pointing at this address.")
    var publishEndpoint: String?
    @Option(help: "Log level.") var logLevel = "info"
    @Option(help: "Event-loop threads of the proxy (default: half the cores, at least one).") var eventLoops: Int?

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "ingress")
        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "skiff-ingress/v1.32.0-skiff"))
        let routes = RouteSource()
        let certificates = try SNICertificates()
        let controller = IngressController(
            client: client, routes: routes, certificates: certificates,
            statusAddresses: StatusAddresses(publishService: publishService, fallback: [publishEndpoint ?? listenAddress]), logger: logger)
        // The proxy's own loops, fewer than NIO's one per core: the controller shares the node with the
        // pods it serves, and on a busy machine every loop that waits in epoll for one event is a context
        // switch per event. One loop with all connections finds several ready at each wake-up: on 2 cores it
        // spent about a quarter less CPU per request than two (docs/benchmarks.md, `skiff bench ingress`).
        let loops = max(1, eventLoops ?? System.coreCount / 2)
        let proxyLoops = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        try await SignalHandling.runUntilTerminated {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await controller.run() }
                let server = try await IngressServer.start(
                    configuration: .init(host: listenAddress, httpPort: httpPort, httpsPort: httpsPort, netnsPath: netns),
                    routes: routes, certificates: certificates, group: proxyLoops)
                logger.info("serving Ingresses on \(listenAddress):\(server.httpPort) (http) and :\(server.httpsPort) (https, h2)\(netns.map { " in \($0)" } ?? ""), \(loops) event loop(s)")
                if let publishService, let publishEndpoint {
                    let parts = publishService.split(separator: "/", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ValidationError("--publish-service must be namespace/name") }
                    let publisher = ServiceEndpointPublisher(
                        client: client, namespace: parts[0], service: parts[1], sliceName: "\(parts[1])-skiff", managedBy: "skiff-ingress",
                        address: publishEndpoint,
                        ports: [.init(name: "http", port: server.httpPort), .init(name: "https", port: server.httpsPort)], logger: logger)
                    group.addTask { await publisher.run() }
                }
                group.addTask {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                    await server.close()
                }
                try await group.waitForAll()
            }
        }
        await client.shutdown()
    }
}
