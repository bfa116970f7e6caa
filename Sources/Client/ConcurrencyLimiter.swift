import Synchronization

/// Lets at most `limit` operations run at once; the others wait, first come first served. The scheduler
/// binds pods off its scheduling loop, one task per pod: without a limit, a burst of 10,000 decisions put
/// 10,000 requests into the HTTP client's queue at once, and the process kept the memory of that peak
/// (hundreds of MiB). client-go bounds the same thing with its client-side rate limiter.
public final class ConcurrencyLimiter: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    public let limit: Int
    private let state = Mutex(State())

    public init(limit: Int) {
        precondition(limit > 0, "a limit of at least one")
        self.limit = limit
    }

    /// Runs `body` once fewer than `limit` others are running. Waiting is not cut short by cancellation:
    /// a cancelled task still waits its turn, and its body sees the cancellation.
    public func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// How many callers wait for a permit: tests wait for this instead of sleeping.
    var waiting: Int { state.withLock { $0.waiting.count - $0.head } }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.running < limit {
                    s.running += 1
                    return true
                }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.head < s.waiting.count else {
                s.running -= 1
                return nil
            }
            let c = s.waiting[s.head]
            s.head += 1
            if s.head > 1024, s.head * 2 > s.waiting.count {
                s.waiting.removeFirst(s.head)
                s.head = 0
            }
            return c  // the permit passes straight to the next waiter
        }
        next?.resume()
    }
}
