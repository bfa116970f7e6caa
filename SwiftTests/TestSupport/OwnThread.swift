import Foundation

/// Runs blocking work — a child process waited for, a poll with `usleep` — on a thread of its own and
/// awaits its result.
///
/// Swift's cooperative pool has one thread per core, two in CI. A test that blocks one of them (a fixture
/// importing images with `ctr`, or waiting out containerd's SIGTERM grace period) takes it from every other
/// test running in parallel; two such tests at once stall every task and timer in the process, and an
/// unrelated test that waits for a periodic timer to fire runs out of patience.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "test-blocking-work"
        thread.start()
    }
}
