import NetworkNamespaces
import NIOCore
import NIOPosix

/// Opens connections to backend endpoints, on the event loop of the client connection they serve, so a
/// request and its backend never hop threads.
public protocol BackendDialer: Sendable {
    func connect(to endpoint: BackendEndpoint, on eventLoop: any EventLoop,
                 initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel>
}

/// Dials from inside a node's network namespace (the pods' addresses are routed only there; the controller
/// itself stays in the root namespace to reach the API server on loopback), or from the process's own
/// namespace when `netnsPath` is nil (tests on loopback).
public struct NamespacedBackendDialer: BackendDialer {
    public var netnsPath: String?
    /// ingress-nginx's `proxy-connect-timeout` default.
    public var connectTimeout: Duration = .seconds(5)

    public init(netnsPath: String?) {
        self.netnsPath = netnsPath
    }

    public func connect(to endpoint: BackendEndpoint, on eventLoop: any EventLoop,
                        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connectTimeout(.nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000))
            .channelInitializer(initializer)
        guard let netnsPath else { return bootstrap.connect(host: endpoint.ip, port: endpoint.port) }
        // The socket is made and connected on a thread inside the namespace, then handed to NIO.
        let promise = eventLoop.makePromise(of: (any Channel).self)
        let (ip, port, timeout) = (endpoint.ip, endpoint.port, connectTimeout)
        promise.completeWithTask {
            let fd = try await NetworkNamespace.connectedSocket(netnsPath: netnsPath, kind: .stream, host: ip, port: port, connectTimeout: timeout)
            return try await bootstrap.withConnectedSocket(fd).get()
        }
        return promise.futureResult
    }
}
