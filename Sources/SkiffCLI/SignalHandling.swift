import Foundation

/// Runs a long-lived component until it returns or the process gets SIGTERM/SIGINT, then cancels it so
/// it can shut down gracefully — and exits anyway after `grace`, since a component holding open watches
/// or streams must not keep `skiff delete cluster` waiting.
enum SignalHandling {
    /// Processes spawned from threads that block signals (as Swift's runtime threads do) inherit that mask
    /// and would never see SIGTERM; every `skiff` process unblocks them first thing.
    static func unblockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func runUntilTerminated(grace: Duration = .seconds(3), _ body: @escaping @Sendable () async throws -> Void) async throws {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { continuation.yield(sig) }
            src.resume()
            sources.append(src)
        }
        defer { sources.forEach { $0.cancel() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await _ in signals {
                    // Give the component `grace` to stop on cancellation, then leave regardless.
                    Task.detached {
                        try? await Task.sleep(for: grace)
                        exit(0)
                    }
                    return
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
