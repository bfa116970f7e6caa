import NIOCore
import NIOHTTP1
import NIOPosix

/// Asks a streaming server to upgrade to `SPDY/3.1`, as upstream's SPDY clients do (`POST`, `Upgrade:
/// SPDY/3.1`, `X-Stream-Protocol-Version: …`).
///
/// Two uses: `dial` hands over the raw bytes behind the upgrade (port-forward, where kubectl's own SPDY
/// session, tunnelled through the API server in WebSocket messages, is relayed to containerd as it is);
/// `dialSession` puts Skiff's SPDY framer on the connection (exec and attach, where the kubelet itself is
/// the SPDY client of containerd's streaming server).
public enum SPDYUpgradeDialer {
    enum Outcome: Sendable {
        case bytes(NIOAsyncChannel<ByteBuffer, ByteBuffer>)
        case session(SPDYConnection)
        case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
    }

    /// The `SPDY/3.1` upgrader: asks for `streamProtocol`, then hands over the channel as bytes or frames.
    struct Upgrader: NIOTypedHTTPClientProtocolUpgrader {
        typealias UpgradeResult = Outcome
        let streamProtocol: String
        let framed: Bool
        var supportedProtocol: String { "SPDY/3.1" }
        var requiredUpgradeHeaders: [String] { [] }

        func addCustom(upgradeRequestHeaders: inout HTTPHeaders) {
            upgradeRequestHeaders.add(name: "X-Stream-Protocol-Version", value: streamProtocol)
        }

        func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool { true }

        func upgrade(channel: any Channel, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<Outcome> {
            channel.eventLoop.makeCompletedFuture {
                guard framed else {
                    return .bytes(try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel))
                }
                let chosen = upgradeResponse.headers["X-Stream-Protocol-Version"].first
                return .session(try SPDYConnection.adopt(channel, streamProtocol: chosen))
            }
        }
    }

    /// The raw byte stream behind the upgrade.
    public static func dial(
        _ target: DialTarget, streamProtocol: String,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        switch try await upgrade(target, streamProtocol: streamProtocol, framed: false, group: group) {
        case .bytes(let channel): return channel
        case .session, .refused: preconditionFailure("a byte upgrade yields bytes")
        }
    }

    /// A SPDY connection on which the caller runs a `SPDYSession`. `streamProtocol` is what the caller
    /// speaks on it (`v4.channel.k8s.io`); the server's choice is `SPDYConnection.streamProtocol`.
    public static func dialSession(
        _ target: DialTarget, streamProtocol: String,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SPDYConnection {
        switch try await upgrade(target, streamProtocol: streamProtocol, framed: true, group: group) {
        case .session(let connection): return connection
        case .bytes, .refused: preconditionFailure("a framed upgrade yields a session")
        }
    }

    static func upgrade(_ target: DialTarget, streamProtocol: String, framed: Bool, group: any EventLoopGroup) async throws -> Outcome {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        // A bodiless POST: without an explicit length NIO's encoder frames it as chunked and sends the closing
        // "0\r\n\r\n" after the head, which the server would read as the first bytes of the SPDY session.
        headers.add(name: "Content-Length", value: "0")
        for (k, v) in target.extraHeaders { headers.add(name: k, value: v) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)
        let pending = try await WebSocketDialer.connect(target, group: group) { channel in
            let upgrade = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                upgradeRequestHead: head, upgraders: [Upgrader(streamProtocol: streamProtocol, framed: framed)],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture { .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel)) }
                })
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
            configuration.leftOverBytesStrategy = .forwardBytes
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        }
        let outcome = try await pending.get()
        if case .refused(let channel) = outcome { throw try await WebSocketDialer.readRefusal(channel) }
        return outcome
    }
}
