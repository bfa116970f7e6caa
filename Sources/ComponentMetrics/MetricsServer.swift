import Foundation
import Hummingbird
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
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        let render = self.render, health = self.health
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: render())))
        }
        router.get("healthz") { _, _ -> Response in
            let problem = health()
            return Response(
                status: problem == nil ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: problem ?? "ok")))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }
}
