import Synchronization

/// A `MonotonicClock` that moves only when `advance` is called (client-go's `testing.FakeClock`), for
/// tests of timed behaviour that must not depend on how fast the machine is.
///
/// Sleepers whose deadline `advance` reaches are woken; the others stay parked. Because a component
/// computes its deadline from `now` before it parks, a test must know it has parked before advancing, or
/// the advance is lost on it: `waitForSleepers` is that signal, and also shows which deadlines are
/// pending, so a test can check that a timer was (or was not) armed without waiting to see it fire.
public final class ManualClock: MonotonicClock {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var condition: @Sendable ([Duration]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [UInt64: Sleeper] = [:]
        var watchers: [Watcher] = []
        var nextID: UInt64 = 0

        /// Time left for each parked sleeper, shortest first.
        var pending: [Duration] { sleepers.values.map { now.duration(to: $0.deadline) }.sorted() }

        /// Removes the watchers whose condition now holds, for resuming outside the lock.
        mutating func satisfiedWatchers() -> [CheckedContinuation<Void, Never>] {
            let p = pending
            var out: [CheckedContinuation<Void, Never>] = []
            watchers.removeAll { w in
                guard w.condition(p) else { return false }
                out.append(w.continuation)
                return true
            }
            return out
        }
    }

    private let state: Mutex<State>

    /// Starts at `start` (the real time by default: only differences matter).
    public init(start: ContinuousClock.Instant = ContinuousClock.now) {
        state = Mutex(State(now: start))
    }

    public var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// Time left for each parked sleeper, shortest first.
    public var pendingSleeps: [Duration] { state.withLock { $0.pending } }

    /// Moves time forward by `duration` and wakes every sleeper whose deadline it reaches.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "time only moves forward")
        let (due, watchers) = state.withLock { s -> ([CheckedContinuation<Void, any Error>], [CheckedContinuation<Void, Never>]) in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            let due = ids.compactMap { s.sleepers.removeValue(forKey: $0)?.continuation }
            return (due, s.satisfiedWatchers())
        }
        for c in due { c.resume() }
        for w in watchers { w.resume() }
    }

    public func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                enum Outcome { case parked([CheckedContinuation<Void, Never>]), due, cancelled }
                let outcome = state.withLock { s -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    if deadline <= s.now { return .due }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return .parked(s.satisfiedWatchers())
                }
                switch outcome {
                case .cancelled: c.resume(throwing: CancellationError())
                case .due: c.resume()
                case .parked(let watchers): for w in watchers { w.resume() }
                }
            }
        } onCancel: {
            let (sleeper, watchers) = state.withLock { s in (s.sleepers.removeValue(forKey: id), s.satisfiedWatchers()) }
            sleeper?.continuation.resume(throwing: CancellationError())
            for w in watchers { w.resume() }
        }
    }

    /// Waits until the parked sleepers' remaining times (shortest first) satisfy `condition`: the signal
    /// that the code under test has reached its timers.
    public func waitForSleepers(_ condition: @escaping @Sendable ([Duration]) -> Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if condition(s.pending) { return true }
                s.watchers.append(Watcher(condition: condition, continuation: c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Waits until exactly `count` sleepers are parked.
    public func waitForSleepers(count: Int) async {
        await waitForSleepers { $0.count == count }
    }
}
