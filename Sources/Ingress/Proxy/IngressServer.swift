import Logging
import NetworkNamespaces
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The controller's listeners: plain HTTP/1.1 and HTTPS with HTTP/2 or HTTP/1.1 by ALPN, each socket bound
/// inside the node's network namespace (where pods and the cluster's Service routes reach it) while the
/// process stays in the root namespace.
public final class IngressServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var httpPort: Int
        public var httpsPort: Int
        /// `/run/netns/...` to bind (and dial backends) in; nil: the process's own namespace.
        public var netnsPath: String?
        /// How long a backend may be silent while a response is awaited (ingress-nginx: 60 s).
        public var backendReadTimeout: TimeAmount = .seconds(60)
        /// How long an idle client keep-alive connection is kept (nginx: 75 s).
        public var clientIdleTimeout: TimeAmount = .seconds(75)

        public init(host: String, httpPort: Int, httpsPort: Int, netnsPath: String?) {
            self.host = host
            self.httpPort = httpPort
            self.httpsPort = httpsPort
            self.netnsPath = netnsPath
        }
    }

    public let httpChannel: any Channel
    public let httpsChannel: any Channel
    public var httpPort: Int { httpChannel.localAddress?.port ?? 0 }
    public var httpsPort: Int { httpsChannel.localAddress?.port ?? 0 }

    private init(http: any Channel, https: any Channel) {
        httpChannel = http
        httpsChannel = https
    }

    public static func start(configuration: Configuration, routes: RouteSource, certificates: SNICertificates,
                             dialer: (any BackendDialer)? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> IngressServer {
        let pools = BackendPools(dialer: dialer ?? NamespacedBackendDialer(netnsPath: configuration.netnsPath),
                                 readTimeout: configuration.backendReadTimeout)
        let sslContext = try NIOSSLContext(configuration: certificates.serverConfiguration())
        let idle = configuration.clientIdleTimeout

        let httpFD = try await NetworkNamespace.listeningSocket(netnsPath: configuration.netnsPath, host: configuration.host, port: configuration.httpPort)
        let http = try await bootstrap(group).childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let port = channel.localAddress?.port ?? configuration.httpPort
                try configureHTTP1(channel, idle: idle, proxy: .init(routes: routes, pools: pools, scheme: "http", port: port, isHTTP2: false))
            }
        }.withBoundSocket(httpFD).get()

        let httpsFD = try await NetworkNamespace.listeningSocket(netnsPath: configuration.netnsPath, host: configuration.host, port: configuration.httpsPort)
        let https = try await bootstrap(group).childChannelInitializer { channel in
            let port = channel.localAddress?.port ?? configuration.httpsPort
            do {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
            return channel.configureHTTP2SecureUpgrade(
                h2ChannelConfigurator: { connection in
                    connection.configureHTTP2Pipeline(mode: .server, inboundStreamInitializer: { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandlers([
                                HTTP2FramePayloadToHTTP1ServerCodec(),
                                ProxyHandler(configuration: .init(routes: routes, pools: pools, scheme: "https", port: port, isHTTP2: true)),
                            ])
                        }
                    }).map { _ in }
                },
                http1ChannelConfigurator: { connection in
                    connection.eventLoop.makeCompletedFuture {
                        try configureHTTP1(connection, idle: idle, proxy: .init(routes: routes, pools: pools, scheme: "https", port: port, isHTTP2: false))
                    }
                })
        }.withBoundSocket(httpsFD).get()
        return IngressServer(http: http, https: https)
    }

    static func bootstrap(_ group: any EventLoopGroup) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    }

    /// An HTTP/1.1 server pipeline whose request decoder hands on the bytes after an upgrade handshake (the
    /// upgrade configuration has no upgraders of its own: `ProxyHandler` decides with the backend), without
    /// NIO's pipelining and protocol-error handlers: `ProxyHandler` keeps pipelined requests in order and
    /// answers a malformed one with 400 itself (the error handler would answer at once, ahead of a response
    /// still owed to an earlier request).
    static func configureHTTP1(_ channel: any Channel, idle: TimeAmount, proxy: ProxyHandler.Configuration) throws {
        let ops = channel.pipeline.syncOperations
        try ops.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withServerUpgrade: (upgraders: [], completionHandler: { _ in }), withErrorHandling: false)
        try ops.addHandler(IdleStateHandler(readTimeout: idle))
        try ops.addHandler(ProxyHandler(configuration: proxy))
    }

    public func close() async {
        try? await httpChannel.close()
        try? await httpsChannel.close()
    }
}
