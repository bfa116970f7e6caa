import ArgumentParser
import ComponentMetrics
import Logging

/// `--metrics-bind-address` as the scheduler, controller manager and DNS take it: `HOST:PORT`, or empty
/// for no listener; and running a component's work beside the listener it names.
enum MetricsBindAddressOption {
    /// The parsed address, nil when empty; a malformed one is a usage error before anything starts.
    static func parse(_ value: String) throws -> (host: String, port: Int)? {
        guard !value.isEmpty else { return nil }
        guard let address = MetricsServer.parseBindAddress(value) else {
            throw ValidationError("--metrics-bind-address must be HOST:PORT, got \(value)")
        }
        return address
    }

    /// Runs `work` with a `MetricsServer` on `address` beside it (when one is named) until either ends:
    /// the listener failing to bind ends the component, as upstream's components exit when they cannot serve.
    static func serving(_ address: (host: String, port: Int)?, logger: Logger, render: @escaping @Sendable () -> String,
                        _ work: @escaping @Sendable () async throws -> Void) async throws {
        guard let address else {
            try await work()
            return
        }
        let server = MetricsServer(host: address.host, port: address.port, logger: logger, render: render)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run { port in logger.info("serving /metrics on \(address.host):\(port)") } }
            group.addTask { try await work() }
            try await group.next()
            group.cancelAll()
        }
    }
}
