import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A backend for the proxy tests: answers every request with what it received (who it is, Host, path,
/// forwarded headers, body length) and echoes WebSocket frames after a real handshake.
final class TestBackend: Sendable {
    let name: String
    let channel: any Channel
    /// Connections accepted so far: the proxy's keep-alive pool shows as fewer connections than requests.
    var port: Int { channel.localAddress!.port! }

    private let counter: Counter
    var accepted: Int { counter.value.load(ordering: .relaxed) }

    private init(name: String, channel: any Channel, counter: Counter) {
        self.name = name
        self.channel = channel
        self.counter = counter
    }

    final class Counter: Sendable { let value = Atomic<Int>(0) }

    static func start(name: String) async throws -> TestBackend {
        let upgrader = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoFrames()) }
            })
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counter.value.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            // The HTTP handler leaves once the connection speaks WebSocket.
                            if let describe = try? context.pipeline.syncOperations.handler(type: Describe.self) {
                                context.pipeline.syncOperations.removeHandler(describe, promise: nil)
                            }
                        }))
                    try channel.pipeline.syncOperations.addHandler(Describe(name: name))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestBackend(name: name, channel: channel, counter: counter)
    }

    func stop() async { try? await channel.close() }

    final class Describe: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let name: String
        var head: HTTPRequestHead?
        var length = 0
        init(name: String) { self.name = name }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; length = 0
            case .body(let b): length += b.readableBytes
            case .end:
                guard let h = head else { return }
                let text = "name=\(name) host=\(h.headers.first(name: "host") ?? "") uri=\(h.uri) xff=\(h.headers.first(name: "x-forwarded-for") ?? "") proto=\(h.headers.first(name: "x-forwarded-proto") ?? "") len=\(length)"
                let headers = HTTPHeaders([("Content-Length", String(text.utf8.count)), ("X-Backend", name)])
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    final class EchoFrames: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            var payload = frame.unmaskedData
            if frame.opcode == .connectionClose { context.close(promise: nil); return }
            guard frame.opcode == .text || frame.opcode == .binary else { return }
            let echo = WebSocketFrame(fin: true, opcode: frame.opcode, data: payload.readSlice(length: payload.readableBytes)!)
            context.writeAndFlush(wrapOutboundOut(echo), promise: nil)
        }
    }
}
