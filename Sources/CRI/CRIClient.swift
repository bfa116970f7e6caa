import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCPingResponder
import NIOCore

/// The kubelet's client for a CRI runtime (containerd): `runtime.v1` RuntimeService and ImageService over
/// gRPC on a Unix socket.
///
/// Every RPC has a thin method that takes and returns the generated `Runtime_V1_*` messages, so callers
/// get the whole CRI surface without this type growing a wrapper per field; a few conveniences
/// (``version()``, ``pullImage(_:)-(String)``, ``imageStatus(_:)-(String)``, ``listPodSandboxes(labels:)``,
/// ``listContainers(podSandboxID:)``) cover the common shapes. Every call has a deadline (see
/// ``CRITimeouts``) and throws ``CRIError``, which keeps the gRPC status code.
///
/// ## Lifetime
/// grpc-swift-2 recommends running a client in a scope (`withGRPCClient`), which is what
/// ``withCRIClient(endpoint:timeouts:_:)`` does: it closes the client on every path out of the body. A
/// kubelet holds one client for its whole life inside an object, not a scope, so the initializer also
/// works on its own (grpc-swift-2's "creating a client manually"): it starts the connection loop
/// (`GRPCClient.runConnections()`) in a task the client owns, and ``close()`` shuts it down gracefully
/// and waits for it. A client that is dropped without `close()` begins the shutdown in `deinit`.
///
/// Calls made before the connection is up wait for it (within their deadline); while containerd is down
/// calls fail fast with ``CRIError/Code/unavailable`` and the transport keeps reconnecting with backoff.
public final class CRIClient: Sendable {
    /// The Unix socket path the client dials.
    public let socketPath: String
    /// Deadlines applied to each call.
    public let timeouts: CRITimeouts

    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    let runtimeService: Runtime_V1_RuntimeService.Client<HTTP2ClientTransport.Posix>
    let imageService: Runtime_V1_ImageService.Client<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>

    /// The largest message sent or accepted: 16 MiB, the kubelet's own limit (ExecSync output and
    /// ListContainers on a busy node can exceed gRPC's 4 MiB default).
    static let maxMessageBytes = 16 * 1024 * 1024

    /// Read-only calls are retried when the stream fails as UNAVAILABLE (containerd restarting, the socket
    /// going away mid-call: "Stream unexpectedly closed"), as a list or status read is safe to send again. Exec, Attach and PortForward only return a streaming
    /// URL, so they are retried too. Calls that change state (create, start, stop, remove, ExecSync) are not:
    /// the kubelet's next sync decides again from what the runtime then reports.
    static let serviceConfig: ServiceConfig = {
        let reads: [(String, [String])] = [
            ("runtime.v1.RuntimeService", ["Version", "Status", "ListPodSandbox", "PodSandboxStatus", "ListContainers",
                                           "ContainerStatus", "ContainerStats", "ListContainerStats",
                                           // These three only hand out a streaming URL; an unused one expires.
                                           "Exec", "Attach", "PortForward"]),
            ("runtime.v1.ImageService", ["ListImages", "ImageStatus", "ImageFsInfo"]),
        ]
        let names = reads.flatMap { service, methods in methods.map { MethodConfig.Name(service: service, method: $0) } }
        let retry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200),
                                backoffMultiplier: 2, retryableStatusCodes: [.unavailable])
        return ServiceConfig(methodConfig: [MethodConfig(names: names, executionPolicy: .retry(retry))])
    }()

    /// The transport's defaults, plus a ``PingResponder`` first in each connection's pipeline: without it
    /// swift-nio-http2 closes the connection once containerd has sent 200 PINGs in 30 seconds, failing
    /// every call in flight. The callback runs on the connection's event loop, before it is active.
    static var transportConfig: HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(PingResponder(), position: .first)
            }
        }
        return config
    }

    /// Creates a client for the runtime at `endpoint` — `unix:///run/containerd/containerd.sock` or a
    /// plain absolute path — and starts connecting. It does not wait for the runtime to be up.
    public init(endpoint: String, timeouts: CRITimeouts = .standard) throws {
        let path = try Self.socketPath(fromEndpoint: endpoint)
        let transport = try HTTP2ClientTransport.Posix(
            // The authority only fills the :authority pseudo-header; containerd ignores it. "localhost"
            // keeps the header short and valid (the default would be the socket path).
            target: .unixDomainSocket(path: path, authority: "localhost"),
            transportSecurity: .plaintext,
            config: Self.transportConfig,
            serviceConfig: Self.serviceConfig
        )
        let grpc = GRPCClient(transport: transport)
        self.socketPath = path
        self.timeouts = timeouts
        self.grpc = grpc
        self.runtimeService = Runtime_V1_RuntimeService.Client(wrapping: grpc)
        self.imageService = Runtime_V1_ImageService.Client(wrapping: grpc)
        self.connections = Task {
            // runConnections() returns after beginGracefulShutdown() once in-flight calls finish. Its
            // errors (the transport failing for good) surface to callers as failed calls, so there is
            // nothing more to do with them here.
            try? await grpc.runConnections()
        }
    }

    deinit {
        grpc.beginGracefulShutdown()
    }

    /// Stops accepting calls, lets in-flight ones finish, and waits for the connection loop to end.
    /// Calls made afterwards fail with ``CRIError/Code/unavailable``. Idempotent.
    public func close() async {
        grpc.beginGracefulShutdown()
        await connections.value
    }

    /// The socket path in a CRI endpoint: `unix:///path` (the kubelet's `--container-runtime-endpoint`
    /// form) or `/path`. Other schemes (tcp, npipe) are rejected: Skiff only speaks to local runtimes.
    public static func socketPath(fromEndpoint endpoint: String) throws -> String {
        var path = endpoint
        if path.hasPrefix("unix://") {
            path.removeFirst("unix://".count)
        } else if path.contains("://") {
            throw CRIError(code: .invalidArgument, message: "unsupported CRI endpoint \(endpoint): only unix:// sockets", method: "")
        }
        guard path.hasPrefix("/") else {
            throw CRIError(code: .invalidArgument, message: "CRI endpoint \(endpoint) is not an absolute socket path", method: "")
        }
        // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
        guard path.utf8.count <= 107 else {
            throw CRIError(code: .invalidArgument, message: "CRI socket path \(path) is longer than 107 bytes", method: "")
        }
        return path
    }

    /// Runs one call with the deadline and message limits, mapping any failure to ``CRIError``.
    func call<Response: Sendable>(
        _ method: String,
        timeout: Duration?,
        _ body: (CallOptions) async throws -> Response
    ) async throws(CRIError) -> Response {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.maxRequestMessageBytes = Self.maxMessageBytes
        options.maxResponseMessageBytes = Self.maxMessageBytes
        do {
            return try await body(options)
        } catch {
            throw CRIError(method: method, error: error)
        }
    }
}

/// Runs `body` with a ``CRIClient`` for `endpoint` and closes the client when `body` returns or throws —
/// grpc-swift-2's recommended scoped lifetime.
public func withCRIClient<Result: Sendable>(
    endpoint: String,
    timeouts: CRITimeouts = .standard,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (CRIClient) async throws -> Result
) async throws -> Result {
    let client = try CRIClient(endpoint: endpoint, timeouts: timeouts)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
