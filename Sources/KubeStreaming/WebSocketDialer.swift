import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Opens client WebSockets with SwiftNIO's HTTP upgrade machinery and frame codecs: the API server's hop to
/// a kubelet (TLS with its client certificate). `connect` also serves `SPDYUpgradeDialer`, whose targets
/// may be sockets connected inside a node's network namespace. A refusal comes back as `UpgradeRefused` carrying the peer's
/// status and body, so a kubelet's `Status` reaches kubectl unchanged.
public enum WebSocketDialer {
    /// Messages up to this size are accepted from the peer (remote-command frames are at most 32 KiB).
    public static let maxFrameSize = 1 << 20

    enum Outcome: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, String?)
        case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
    }

    /// Connects, asks to upgrade offering `protocols`, and returns the open WebSocket.
    public static func dial(
        _ target: DialTarget, protocols: [String],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DialedWebSocket {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        if !protocols.isEmpty { headers.add(name: "Sec-WebSocket-Protocol", value: protocols.joined(separator: ", ")) }
        for (k, v) in target.extraHeaders { headers.add(name: k, value: v) }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers)

        let pending = try await connect(target, group: group) { channel in
            let upgrader = NIOTypedWebSocketClientUpgrader<Outcome>(
                maxFrameSize: maxFrameSize,
                upgradePipelineHandler: { channel, response in
                    channel.eventLoop.makeCompletedFuture {
                        let ws = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                        return Outcome.upgraded(ws, response.headers["Sec-WebSocket-Protocol"].first)
                    }
                })
            let upgrade = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                upgradeRequestHead: head, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        Outcome.refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                    }
                })
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
            configuration.leftOverBytesStrategy = .forwardBytes
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        }
        switch try await pending.get() {
        case .upgraded(let channel, let negotiated):
            return DialedWebSocket(channel: channel, subprotocol: negotiated)
        case .refused(let channel):
            throw try await readRefusal(channel)
        }
    }

    /// Connects to the target (TLS first when configured) and runs `configure` on the new channel's event
    /// loop; returns what it returns (the future of the upgrade's outcome).
    static func connect<Output: Sendable>(
        _ target: DialTarget, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        configure: @escaping @Sendable (any Channel) throws -> EventLoopFuture<Output>
    ) async throws -> EventLoopFuture<Output> {
        let sslContext = try target.tls.map { try NIOSSLContext(configuration: $0) }
        // SNI and hostname checks take a name; an address is checked against the certificate's IP SANs.
        let serverHostname = target.serverHostname.flatMap { (try? SocketAddress(ipAddress: $0, port: 0)) == nil ? $0 : nil }
        let initializer: @Sendable (any Channel) -> EventLoopFuture<EventLoopFuture<Output>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let sslContext {
                    let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
                return try configure(channel)
            }
        }
        let bootstrap = ClientBootstrap(group: group).connectTimeout(.seconds(10))
        switch target.endpoint {
        case .host(let host, let port):
            return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
        case .connectedSocket(let fd):
            return try await bootstrap.withConnectedSocket(fd, channelInitializer: initializer)
        }
    }

    /// Reads the non-101 answer (head and at most 64 KiB of body) and closes the connection.
    static func readRefusal(_ channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>) async throws -> UpgradeRefused {
        try await channel.executeThenClose { inbound, _ in
            // A refusal's body is only shown: the first 64 KiB of it are kept.
            let (r, _) = try await HTTPResponseCollector.collect(inbound, limit: 64 * 1024, overLimit: .truncate)
            return UpgradeRefused(status: r.status, contentType: r.contentType, body: r.body)
        }
    }
}
