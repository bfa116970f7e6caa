import PKI
import APIMachinery
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import KubeStreaming
import NIOSSL
import Logging
import Storage

/// `skiff apiserver`: the store, the API handler, its background loops and the HTTP listener.
public struct APIServer: Sendable {
    public let config: APIServerConfig
    public let store: any KeyValueStore
    public let handler: APIHandler
    /// `--audit-policy-file` with `--audit-log-path`; nil when not audited.
    public let audit: AuditRecorder?
    let logger: Logger

    public init(config: APIServerConfig, store: any KeyValueStore, logger: Logger = Logger(label: "apiserver")) throws {
        self.config = config
        self.store = store
        self.logger = logger
        self.handler = try APIHandler(config: config, store: store, logger: logger)
        // A policy that does not load stops the server here, before it listens.
        self.audit = try AuditRecorder.make(config: config, logger: logger)
    }

    /// Restores allocations and creates the default objects; safe to call on every start.
    public func prepare() async throws {
        try await handler.restoreAllocations()
        try await handler.bootstrap()
    }

    /// Serves until cancelled or sent SIGTERM/SIGINT. `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await prepare()
        let api = handler
        let authenticator = config.isSecure
            ? try Authenticator(config: config, logger: logger, lookup: { resource, namespace, name in
                await api.storedObject("", resource, namespace: namespace, name: name)
            })
            : nil
        let responder = KubeResponder(
            api: handler, accessLog: logger, maxBodyBytes: config.maxRequestBodyBytes, authenticator: authenticator,
            limiter: InflightLimiter(limits: config.inflightLimits), audit: audit)
        // exec, attach and portforward upgrade to WebSocket; every other request is plain HTTP/1.1.
        let streams = StreamUpgrade(api: handler, accessLog: logger, authenticator: authenticator, audit: audit)
        let http: HTTPServerBuilder = .http1WebSocketUpgrade(
            configuration: .init(ws: .init(maxFrameSize: WebSocketRelay.maxMessageSize, autoPing: .enabled(timePeriod: .seconds(30))))
        ) { request, channel, _ in
            await streams.shouldUpgrade(request, channel: channel)
        }
        let server: HTTPServerBuilder
        if let cert = config.tlsCertFile, let key = config.tlsKeyFile {
            let tls = try ServerTLS.configuration(certFile: cert, keyFile: key, clientCAFile: config.clientCAFile, clientCertificates: .optional)
            server = try .tls(http, tlsConfiguration: tls)
        } else {
            server = http
        }
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(config.bindAddress, port: config.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        // The events of the last requests reach the file before the process ends.
        defer { (audit?.sink as? AuditLogWriter)?.flush() }
        let handler = self.handler
        let compactor = Compactor(store: store, interval: config.compactionInterval)
        let resolution = config.metricResolution
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await handler.namespaceCleanup.run(handler) }
            group.addTask { await handler.crdController.run(handler) }
            group.addTask { await compactor.run() }
            group.addTask { await MetricsScraper(resolution: resolution).run(handler) }
            group.addTask { try await app.runService() }
            // The HTTP service ends on a signal; the loops end with it.
            try await group.next()
            group.cancelAll()
        }
    }
}
