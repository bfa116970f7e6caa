#if canImport(Glibc)
import Glibc
#endif
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCPingResponder
import NIOCore
import NIOSSL

/// A gRPC client for one etcd member, with the stubs of the services the store uses.
///
/// Like `CRIClient`, it lives inside an object rather than a `withGRPCClient` scope: the connection loop runs
/// in a task the connection owns, and `close()` shuts it down and waits for it. One connection per member (not
/// one channel balancing over all of them) so that the store chooses where a call goes: the member that
/// answered last, until it fails (see `EtcdMembers`).
final class EtcdConnection: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    let endpoint: EtcdEndpoint
    let kv: Etcdserverpb_KV.Client<Transport>
    let watch: Etcdserverpb_Watch.Client<Transport>
    private let grpc: GRPCClient<Transport>
    private let connections: Task<Void, Never>

    init(endpoint: EtcdEndpoint, tls: EtcdTLSFiles) throws {
        let security: Transport.TransportSecurity
        if endpoint.secure {
            security = .tls(Self.tlsConfig(tls))
        } else {
            security = .plaintext
        }
        var config = Transport.Config.defaults
        // etcd answers a keepalive ping; a dead member (kill -9, a cable pulled) is then noticed in seconds
        // rather than when TCP gives up, and the store moves to another member.
        config.connection.keepalive = .init(time: .seconds(10), timeout: .seconds(5), allowWithoutCalls: true)
        // A restarted member is dialled again within 2 s, not gRPC's default of up to two minutes: with one
        // member, the API server is down until then.
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        // etcd (grpc-go) sends a PING per request it receives; see PingResponder. It reads HTTP/2 frames, so it
        // goes after the TLS handler when there is one (the callback runs once the pipeline is set up).
        config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let tls = try? pipeline.handler(type: NIOSSLClientHandler.self) {
                    try pipeline.addHandler(PingResponder(), position: .after(tls))
                } else {
                    try pipeline.addHandler(PingResponder(), position: .first)
                }
            }
        }
        let transport = try Transport(
            target: Self.target(endpoint),
            transportSecurity: security,
            config: config
        )
        let grpc = GRPCClient(transport: transport)
        self.endpoint = endpoint
        self.grpc = grpc
        self.kv = Etcdserverpb_KV.Client(wrapping: grpc)
        self.watch = Etcdserverpb_Watch.Client(wrapping: grpc)
        self.connections = Task {
            // Returns after beginGracefulShutdown(); a transport that fails for good shows as failed calls.
            try? await grpc.runConnections()
        }
    }

    deinit {
        grpc.beginGracefulShutdown()
    }

    /// Stops accepting calls, lets in-flight ones finish (a watch stream is cancelled by its owner first),
    /// and waits for the connection loop to end.
    func close() async {
        grpc.beginGracefulShutdown()
        await connections.value
    }

    /// An address target for an IP literal, a DNS one for a name. Not DNS for both: a DNS target's host becomes the
    /// TLS SNI name, and TLS forbids an IP address there, so a connection to https://127.0.0.1:2379 would fail
    /// before its handshake. With an address target there is no SNI, and the member's certificate is checked
    /// against the address it was dialled at (its IP SANs), as etcd's Go client checks it.
    static func target(_ endpoint: EtcdEndpoint) -> any ResolvableTarget {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, endpoint.host, &v4) == 1 { return .ipv4(host: endpoint.host, port: endpoint.port) }
        if inet_pton(AF_INET6, endpoint.host, &v6) == 1 { return .ipv6(host: endpoint.host, port: endpoint.port) }
        return .dns(host: endpoint.host, port: endpoint.port)
    }

    /// Server verification against `--etcd-cafile` (or the system roots), and the client certificate when given.
    static func tlsConfig(_ files: EtcdTLSFiles) -> Transport.TransportSecurity.TLS {
        .defaults { tls in
            if let ca = files.caFile {
                tls.trustRoots = .certificates([.file(path: ca, format: .pem)])
            }
            if let cert = files.certFile, let key = files.keyFile {
                tls.certificateChain = [.file(path: cert, format: .pem)]
                tls.privateKey = .file(path: key, format: .pem)
            }
        }
    }
}
