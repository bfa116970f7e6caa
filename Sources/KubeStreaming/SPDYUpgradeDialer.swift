import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens the byte stream behind an HTTP upgrade to `SPDY/3.1`, as kubectl's SPDY client asks a streaming
/// server for one (`POST`, `Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version: portforward.k8s.io`). Skiff
/// does not speak SPDY itself: once the runtime answers 101, the bytes of kubectl's SPDY session (which
/// arrive tunnelled in WebSocket messages) are relayed to it as they are.
public enum SPDYUpgradeDialer {
    enum Outcome: Sendable {
        case upgraded(NIOAsyncChannel<ByteBuffer, ByteBuffer>)
        case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
    }

    /// The `SPDY/3.1` upgrader: asks for `streamProtocol` and hands over the raw channel.
    struct Upgrader: NIOTypedHTTPClientProtocolUpgrader {
        typealias UpgradeResult = Outcome
        let streamProtocol: String
        var supportedProtocol: String { "SPDY/3.1" }
        var requiredUpgradeHeaders: [String] { [] }

        func addCustom(upgradeRequestHeaders: inout HTTPHeaders) {
            upgradeRequestHeaders.add(name: "X-Stream-Protocol-Version", value: streamProtocol)
        }

        func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool { true }

        func upgrade(channel: any Channel, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<Outcome> {
            channel.eventLoop.makeCompletedFuture {
                .upgraded(try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel))
            }
        }
    }

    public static func dial(
        _ target: DialTarget, streamProtocol: String,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        // A bodiless POST: without an explicit length NIO's encoder frames it as chunked and sends the closing
        // "0\r\n\r\n" after the head, which the server would read as the first bytes of the SPDY session.
        headers.add(name: "Content-Length", value: "0")
        for (k, v) in target.extraHeaders { headers.add(name: k, value: v) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)
        let pending = try await WebSocketDialer.connect(target, group: group) { channel in
            let upgrade = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                upgradeRequestHead: head, upgraders: [Upgrader(streamProtocol: streamProtocol)],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture { .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel)) }
                })
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
            configuration.leftOverBytesStrategy = .forwardBytes
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        }
        switch try await pending.get() {
        case .upgraded(let channel): return channel
        case .refused(let channel): throw try await WebSocketDialer.readRefusal(channel)
        }
    }
}
