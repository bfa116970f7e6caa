import Foundation
import Hummingbird
import Logging

/// Serves `/metrics` (Prometheus text) and `/healthz` on the metrics bind address, as kube-proxy does
/// on 127.0.0.1:10249 (upstream splits healthz onto :10256; one port is enough here).
public struct MetricsServer: Sendable {
    public var host: String
    public var port: Int
    public let metrics: ProxyMetrics
    /// Nil when healthy, else why not (the body of the 503).
    public let health: @Sendable () -> String?
    let logger: Logger

    public init(host: String, port: Int, metrics: ProxyMetrics, logger: Logger, health: @escaping @Sendable () -> String?) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
        self.health = health
    }

    /// Parses `HOST:PORT` (`127.0.0.1:10249`); nil for "" or "0", which turn the server off.
    public static func parseBindAddress(_ s: String) -> (host: String, port: Int)? {
        guard !s.isEmpty, s != "0", let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Serves until cancelled; `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        let metrics = self.metrics, health = self.health
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
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
