import PKI
import APIMachinery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import KubeStreaming
import Logging
import NIOCore
import NIOSSL

/// The kubelet's HTTPS endpoint, which the API server reaches for `kubectl logs`, `exec`, `attach` and
/// `port-forward`: `/containerLogs` streams a container's CRI log; `/exec`, `/attach` and `/portForward`
/// are WebSocket sessions relayed to the runtime's streaming server; `/stats/summary` and `/metrics/resource`
/// report what the node's containers use; `/metrics` is the kubelet's own; `/healthz` answers "ok".
///
/// With TLS every client must present a certificate signed by the cluster CA (the API server's
/// `apiserver-kubelet-client`); errors are Kubernetes `Status` objects, which the API server hands to
/// kubectl as they are.
public final class KubeletServer: Sendable {
    public let config: KubeletServerConfig
    let pods: any PodSource
    let runtime: (any StreamingRuntime)?
    let logger: Logger
    let locator: ContainerLogLocator
    /// The container attempts (`uid/container/restartCount`) that have had their first attach.
    let attached = Mutex<Set<String>>([])
    /// Measures the node for the stats endpoints (nil: they answer 404, as a kubelet without them).
    let stats: NodeStatsCollector?
    /// What `/metrics` renders (nil: 404). Behind the same client-certificate check as every endpoint here.
    let metrics: KubeletMetrics?

    public init(config: KubeletServerConfig, pods: any PodSource, runtime: (any StreamingRuntime)?,
                stats: NodeStatsCollector? = nil, metrics: KubeletMetrics? = nil, logger: Logger) {
        self.config = config
        self.stats = stats
        self.metrics = metrics
        self.pods = pods
        self.runtime = runtime
        self.logger = logger
        self.locator = ContainerLogLocator(paths: config.logPaths)
    }

    /// Serves until cancelled. `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = KubeletResponder(server: self)
        let builder = try Self.builder(config: config) { request, _ in await self.shouldUpgrade(request) }
        let app = Application(
            responder: responder, server: builder,
            configuration: .init(address: .hostname(config.address, port: config.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }

    /// HTTP/1.1 with the WebSocket upgrade the streaming endpoints need, behind TLS that requires a client
    /// certificate when `config` names a serving certificate.
    static func builder(
        config: KubeletServerConfig,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel) async -> ShouldUpgradeResult<SessionHandler>
    ) throws -> HTTPServerBuilder {
        let upgrading: HTTPServerBuilder = .http1WebSocketUpgrade(configuration: webSocketConfiguration) { request, channel, _ in
            await shouldUpgrade(request, channel)
        }
        guard let tls = try tlsConfiguration(config) else { return upgrading }
        return try .tls(upgrading, tlsConfiguration: tls)
    }

    static let webSocketConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
        ws: WebSocketServerConfiguration(maxFrameSize: WebSocketRelay.maxMessageSize, autoPing: .enabled(timePeriod: .seconds(30))))

    /// The endpoint's TLS (nil: plain HTTP), requiring a client certificate from `clientCAFile`'s CA.
    static func tlsConfiguration(_ config: KubeletServerConfig) throws -> TLSConfiguration? {
        guard let cert = config.tlsCertFile, let key = config.tlsKeyFile else { return nil }
        return try ServerTLS.configuration(certFile: cert, keyFile: key, clientCAFile: config.clientCAFile, clientCertificates: .required)
    }

    // MARK: Requests

    /// The pod and container a request names, or the `Status` saying why not (upstream's messages).
    func resolve(namespace: String, pod name: String, container: String?) throws(StreamingError) -> (pod: JSON, uid: String) {
        guard let pod = pods.pod(namespace: namespace, name: name), let uid = pod.metaUID else {
            throw StreamingError("pod \"\(namespace)/\(name)\" not found", code: 404)
        }
        if let container {
            let names = KubeletServer.containerNames(pod)
            guard names.contains(container) else {
                throw StreamingError("container \"\(container)\" not found in pod \"\(namespace)/\(name)\"", code: 404)
            }
        }
        return (pod, uid)
    }

    static func containerNames(_ pod: JSON) -> [String] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { key in
            (pod[path: ["spec", key]]?.array ?? []).compactMap { $0["name"]?.string }
        }
    }

    static func status(_ message: String, code: Int) -> JSON {
        let reason: String
        switch code {
        case 400: reason = "BadRequest"
        case 401: reason = "Unauthorized"
        case 403: reason = "Forbidden"
        case 404: reason = "NotFound"
        default: reason = "InternalError"
        }
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
                "reason": .string(reason), "code": .int(Int64(code))]
    }
}

extension JSON {
    var metaUID: String? { self[path: ["metadata", "uid"]]?.string }
}

/// Plain HTTP requests: health, logs, and the refusals of streaming requests that did not upgrade.
struct KubeletResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: KubeletServer

    func respond(to request: Request, context: Context) async throws -> Response {
        let response = await answer(request)
        server.logger.info("\"HTTP\" verb=\"\(request.method.rawValue)\" URI=\"\(request.uri.string)\" resp=\(response.status.code)")
        return response
    }

    func answer(_ request: Request) async -> Response {
        guard let path = KubeletRequestPath(request.uri.path) else {
            return Self.error(StreamingError("the server could not find the requested resource", code: 404))
        }
        let query = QueryString(request.uri.query)
        switch path {
        case .healthz:
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case .metrics:
            guard let metrics = server.metrics else {
                return Self.error(StreamingError("the server could not find the requested resource", code: 404))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: await metrics.render())))
        case .statsSummary, .metricsResource:
            guard let stats = server.stats else {
                return Self.error(StreamingError("the server could not find the requested resource", code: 404))
            }
            let snapshot = await stats.collect()
            if path == .metricsResource {
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: ResourceMetricsText.render(snapshot))))
            }
            do {
                let body = try StatsSummary(snapshot).encoded()
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
            } catch {
                return Self.error(StreamingError("\(error)", code: 500))
            }
        case .containerLogs(let ns, let pod, let container):
            do {
                let stream = try server.containerLogs(namespace: ns, pod: pod, container: container, query: query)
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
                    do {
                        for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                    } catch {
                        // The reader failed or the client went away: end the body.
                    }
                    try await writer.finish(nil)
                })
            } catch let e as StreamingError {
                return Self.error(e)
            } catch let e as LogRequestError {
                return Self.error(StreamingError(e.message, code: e.code))
            } catch {
                return Self.error(StreamingError("\(error)", code: 500))
            }
        case .exec(let ns, let pod, let container), .attach(let ns, let pod, let container):
            do {
                _ = try server.resolve(namespace: ns, pod: pod, container: container)
            } catch {
                return Self.error(error)
            }
            return Self.error(Self.notUpgraded(request))
        case .portForward(let ns, let pod):
            do {
                _ = try server.resolve(namespace: ns, pod: pod, container: nil)
            } catch {
                return Self.error(error)
            }
            return Self.error(Self.notUpgraded(request))
        }
    }

    static func notUpgraded(_ request: Request) -> StreamingError {
        if request.headers[.upgrade]?.lowercased() == "websocket" {
            let offered = request.headers[.secWebSocketProtocol] ?? ""
            return StreamingError("unable to upgrade connection: none of the offered WebSocket subprotocols [\(offered)] is supported")
        }
        return StreamingError("unable to upgrade connection: Skiff's kubelet serves exec, attach and port-forward over WebSocket only")
    }

    static func error(_ e: StreamingError) -> Response {
        let body = KubeletServer.status(e.message, code: e.code).serialized()
        return Response(status: .init(code: e.code), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

import Synchronization
