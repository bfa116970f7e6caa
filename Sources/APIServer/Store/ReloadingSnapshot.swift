import Synchronization

/// A value derived from stored objects (the RBAC policy, the admission webhooks), loaded on first use and
/// again after `invalidate()`. The API server is the only writer of those objects and invalidates after
/// each write to them, so the next request sees the change — no watch lag, and no reload per request.
public final class ReloadingSnapshot<Value: Sendable>: Sendable {
    private struct State {
        var snapshot: Value?
        var generation = 0
    }
    private let state = Mutex(State())
    private let load: @Sendable () async -> Value

    public init(load: @escaping @Sendable () async -> Value) { self.load = load }

    public func invalidate() {
        state.withLock {
            $0.snapshot = nil
            $0.generation += 1
        }
    }

    public func current() async -> Value {
        let (cached, generation) = state.withLock { ($0.snapshot, $0.generation) }
        if let cached { return cached }
        let fresh = await load()
        state.withLock {
            // A write during the load makes this snapshot stale: keep it for this request only.
            if $0.generation == generation { $0.snapshot = fresh }
        }
        return fresh
    }
}
