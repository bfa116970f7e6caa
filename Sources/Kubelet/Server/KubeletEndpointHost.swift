import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTPS endpoints of many kubelets in one process (a `NodeSimulator`'s nodes).
///
/// Each node keeps a listening socket of its own, because the API server finds a kubelet by the port its
/// Node reports and node-level answers (`/stats/summary`, `/metrics/resource`) must be that node's. What
/// the endpoints share is everything else: one TLS context, one HTTP stack and the process's event loops.
/// A `KubeletServer` per endpoint would load the certificates a thousand times and run a thousand date
/// timers. A connection finds its node's `KubeletServer` by the local port it arrived on.
public final class KubeletEndpointHost: Sendable {
    let address: String
    let logger: Logger
    /// Bound port → the node's server.
    let servers: EndpointTable
    /// Bound port → the task serving its socket; cancelling it closes the socket.
    let listeners = Mutex<[Int: Task<Void, Never>]>([:])
    /// Makes the listening server of one endpoint; every one shares the same child-channel set-up (and so
    /// the same TLS context).
    let makeServer: @Sendable (ServerConfiguration, @escaping @Sendable (any Channel) async -> Void) -> Serve

    /// Runs one endpoint's server until cancelled.
    typealias Serve = @Sendable () async throws -> Void

    /// `config` gives the address and TLS of every endpoint (its port and log paths are each server's own).
    public init(config: KubeletServerConfig, logger: Logger) throws {
        address = config.address
        self.logger = logger
        let servers = EndpointTable()
        self.servers = servers
        let lookup: @Sendable (any Channel) -> KubeletServer? = { channel in
            channel.localAddress?.port.flatMap { port in servers.map.withLock { $0[port] } }
        }
        let upgrading = HTTP1WebSocketUpgradeChannel(
            responder: { request, writer, channel in
                let response: Response
                if let server = lookup(channel) {
                    let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                    response = try await KubeletResponder(server: server).respond(to: request, context: context)
                } else {
                    // The node was removed while the connection was open.
                    response = KubeletResponder.error(StreamingError("no node is served on this port any more", code: 404))
                }
                try await writer.write(response: response.head, body: response.body)
            },
            configuration: KubeletServer.webSocketConfiguration,
            shouldUpgrade: { request, channel, _ in
                guard let server = lookup(channel) else { return .dontUpgrade }
                return await server.shouldUpgrade(request)
            })
        if let tls = try KubeletServer.tlsConfiguration(config) {
            makeServer = Self.serverFactory(try TLSChannel(upgrading, tlsConfiguration: tls), logger: logger)
        } else {
            makeServer = Self.serverFactory(upgrading, logger: logger)
        }
    }

    static func serverFactory<Child: ServerChildChannel>(
        _ child: Child, logger: Logger
    ) -> @Sendable (ServerConfiguration, @escaping @Sendable (any Channel) async -> Void) -> Serve {
        { configuration, onRunning in
            let server = Server(childChannelSetup: child, configuration: configuration, onServerRunning: onRunning,
                                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            return { try await server.run() }
        }
    }

    /// Listens for `server` on `port` (0: a free one) and returns the bound port once it accepts connections.
    public func open(_ server: KubeletServer, port: Int) async throws -> Int {
        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        let serve = makeServer(ServerConfiguration(address: .hostname(address, port: port))) { channel in
            if let port = channel.localAddress?.port { continuation.yield(port) }
            continuation.finish()
        }
        let log = logger, address = self.address
        let task = Task {
            do { try await serve() } catch { log.warning("kubelet endpoint \(address):\(port) stopped: \(error)") }
            continuation.finish()
        }
        var ports = bound.makeAsyncIterator()
        guard let actual = await ports.next() else {
            throw KubeletEndpointError(message: "cannot listen on \(address):\(port)")
        }
        servers.map.withLock { $0[actual] = server }
        listeners.withLock { $0[actual] = task }
        return actual
    }

    /// Stops listening on `port` and forgets its server.
    public func close(port: Int) {
        servers.map.withLock { _ = $0.removeValue(forKey: port) }
        listeners.withLock { $0.removeValue(forKey: port) }?.cancel()
    }

    /// Stops every endpoint.
    public func closeAll() {
        for port in listeners.withLock({ Array($0.keys) }) { close(port: port) }
    }

    /// The ports being served.
    public var ports: [Int] { listeners.withLock { Array($0.keys) }.sorted() }
}

/// Which node's server answers on which port: shared by the host and the connections' handlers.
final class EndpointTable: Sendable {
    let map = Mutex<[Int: KubeletServer]>([:])
}

/// An endpoint that could not be opened.
public struct KubeletEndpointError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
