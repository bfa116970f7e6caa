import Logging
import NIOCore
import NIOPosix

/// The DNS server: one UDP and one TCP listener on the same address, answering from a `ClusterResolver`.
public final class DNSServer: Sendable {
    public let resolver: ClusterResolver
    public let address: ListenAddress
    let udp: Channel
    let tcp: Channel

    /// The port actually listened on (useful when `address.port` was 0).
    public var port: UInt16 { address.port }

    private init(resolver: ClusterResolver, address: ListenAddress, udp: Channel, tcp: Channel) {
        self.resolver = resolver
        self.address = address
        self.udp = udp
        self.tcp = tcp
    }

    /// Binds (inside the namespace at `netnsPath` when given) and starts serving.
    /// `metrics` counts every answered query (CoreDNS's prometheus plugin names).
    public static func start(resolver: ClusterResolver, listen: ListenAddress, netnsPath: String? = nil,
                             group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             tcpIdleTimeout: TimeAmount = .seconds(10), metrics: DNSMetrics? = nil) async throws -> DNSServer {
        let sockets = try await SocketBinder.bind(listen, netnsPath: netnsPath)
        // CoreDNS names a server block's listener `dns://:53` (kind's Corefile: `.:53`).
        let reporting = metrics.map { DNSQueryReporting(metrics: $0, server: "dns://:\(sockets.port)") }
        do {
            let udp = try await DatagramBootstrap(group: group)
                .channelOption(.datagramVectorReadMessageCount, value: 32)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
                .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(DNSUDPHandler(resolver: resolver, reporting: reporting)) } }
                .withBoundSocket(sockets.udp).get()
            let tcp: Channel
            do {
                tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 128)
                    .childChannelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHandlers([
                                IdleStateHandler(readTimeout: tcpIdleTimeout),
                                ByteToMessageHandler(DNSTCPFrameDecoder()),
                                DNSTCPHandler(resolver: resolver, reporting: reporting),
                            ])
                        }
                    }
                    .withBoundSocket(sockets.tcp).get()
            } catch {
                try? await udp.close()
                throw error
            }
            var bound = listen
            bound.port = sockets.port
            return DNSServer(resolver: resolver, address: bound, udp: udp, tcp: tcp)
        } catch {
            // NIO owns a descriptor once its channel exists; closing twice is harmless for a failed bootstrap.
            _ = close(sockets.udp)
            _ = close(sockets.tcp)
            throw error
        }
    }

    /// Stops listening.
    public func shutdown() async {
        try? await udp.close()
        try? await tcp.close()
    }
}
