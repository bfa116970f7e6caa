import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Logging

/// Serves `/metrics` (Prometheus text) and `/healthz` on a component's plain-HTTP metrics bind address,
/// as kube-proxy does on 127.0.0.1:10249 and CoreDNS on :9153. One small server every component shares
/// (proxy, scheduler, controller manager, DNS), so each only says what it renders and when it is healthy.
/// Upstream's scheduler and controller manager serve these over HTTPS with delegated authorization; here
/// the listener is meant for loopback, where the cluster tool puts it.
public struct MetricsServer: Sendable {
    public var host: String
    public var port: Int
    /// The text exposition, rendered per scrape.
    public let render: @Sendable () -> String
    /// Nil when healthy, else why not (the body of the 503).
    public let health: @Sendable () -> String?
    let logger: Logger

    public init(host: String, port: Int, logger: Logger, render: @escaping @Sendable () -> String,
                health: @escaping @Sendable () -> String? = { nil }) {
        self.host = host
        self.port = port
        self.render = render
        self.logger = logger
        self.health = health
    }

    /// Prometheus's text format, version 0.0.4 (what client_golang serves without content negotiation).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Parses `HOST:PORT` (`127.0.0.1:10249`); nil for "" or "0", which turn the server off.
    public static func parseBindAddress(_ s: String) -> (host: String, port: Int)? {
        guard !s.isEmpty, s != "0", let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Serves until cancelled; `onListening` gets the bound port (useful with port 0).
    ///
    /// A bare SwiftNIO HTTP/1.1 server rather than a web framework: it answers two fixed paths, and in the
    /// scheduler and controller manager a framework's code and service machinery cost more resident memory
    /// than everything the endpoint does.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let render = self.render, health = self.health
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(render: render, health: health))
                }
            }
            .bind(host: host, port: port).get()
        await onListening(server.localAddress?.port ?? 0)
        await withTaskCancellationHandler {
            try? await server.closeFuture.get()
        } onCancel: {
            server.close(promise: nil)
        }
    }
}

/// `GET /metrics` and `GET /healthz`; anything else is a 404 (a HEAD gets the headers alone).
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let render: @Sendable () -> String
    let health: @Sendable () -> String?
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> String, health: @escaping @Sendable () -> String?) {
        self.render = render
        self.health = health
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let (status, type, body): (HTTPResponseStatus, String, String)
            switch (head.method, path) {
            case (.GET, "/metrics"), (.HEAD, "/metrics"):
                (status, type, body) = (.ok, MetricsServer.contentType, render())
            case (.GET, "/healthz"), (.HEAD, "/healthz"):
                let problem = health()
                (status, type, body) = (problem == nil ? .ok : .serviceUnavailable, "text/plain; charset=utf-8", problem ?? "ok")
            default:
                (status, type, body) = (.notFound, "text/plain; charset=utf-8", "404 page not found\n")
            }
            var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.utf8.count))])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
        }
    }
}
