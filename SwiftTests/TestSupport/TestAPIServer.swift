import APIMachinery
import APIServer
import Client
import Logging
import Storage

/// A real `skiff apiserver` in the test process: plain HTTP on a loopback port over the given store
/// (in-memory unless a test needs durability). Every suite that drives components against the API
/// starts it the same way, so it lives here once.
public struct TestAPIServer: Sendable {
    /// The bound port (a free one when asked for 0).
    public let port: Int
    /// The serving task; cancelling it stops the server (the store stays open).
    public let task: Task<Void, Error>

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts a server and returns once it listens; `config` sets everything but the port (e.g. the
    /// service-account keys of a server that issues tokens).
    public static func start(store: (any KeyValueStore)? = nil, port: Int = 0, config: APIServerConfig = APIServerConfig()) async throws -> TestAPIServer {
        var config = config
        config.port = port
        var logger = Logger(label: "test-apiserver")
        logger.logLevel = .critical
        let server = try APIServer(config: config, store: try store ?? openStore(.memory), logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await server.run { continuation.yield($0) }
        }
        var it = ports.makeAsyncIterator()
        guard let bound = await it.next() else {
            _ = await task.result
            throw APIError.internalError("the test API server did not start")
        }
        return TestAPIServer(port: bound, task: task)
    }

    /// A client for this server; the caller shuts it down.
    public func client(userAgent: String) -> KubeClient {
        KubeClient(ClientConfig(server: url, userAgent: userAgent))
    }

    /// Stops serving and waits for the server to finish.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
