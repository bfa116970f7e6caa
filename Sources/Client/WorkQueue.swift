import Synchronization

/// The queue controllers take work from (client-go's rate-limiting `workqueue`).
///
/// It holds keys, not events, so that many changes to one object collapse into one reconcile:
/// - a key added while already waiting is queued once (`dirty` set);
/// - a key is never handed to two workers at once: added while a worker has it (`processing` set), it is
///   queued again only when that worker calls `done`;
/// - `addAfter` and `addRateLimited` delay a key (retries with per-item exponential backoff);
/// - after `shutDown`, new adds are ignored, the keys already queued are still handed out, then `get`
///   returns nil.
///
/// Given a name and a `WorkQueueMetricsProvider` (at init or by `instrument`), it reports client-go's
/// workqueue metrics under that name; without one it records nothing.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    public let rateLimiter: any RateLimiter<Key>
    /// What `addAfter` delays are measured and slept on.
    public let clock: any MonotonicClock
    let state = Mutex(State())

    struct State {
        var queue: [Key] = []
        var head = 0
        var dirty = Set<Key>()
        var processing = Set<Key>()
        var shuttingDown = false
        var waiters: [(id: Int, continuation: CheckedContinuation<Key?, Never>)] = []
        var nextWaiter = 0
        /// Keys waiting for `addAfter`, with the instant they are due and the timer that will add them.
        var delayed: [Key: (due: ContinuousClock.Instant, timer: Task<Void, Never>)] = [:]
        /// Keys handed to workers so far.
        var handedOut = 0
        /// Nil unless instrumented.
        var metrics: WorkQueueMetricsRecorder<Key>?

        var count: Int { queue.count - head }

        mutating func pop() -> Key {
            let k = queue[head]
            head += 1
            handedOut += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return k
        }

        /// Hands queued keys to waiting `get` calls; returns the resumptions to perform.
        mutating func handOut(clock: any MonotonicClock) -> [(CheckedContinuation<Key?, Never>, Key?)] {
            var out: [(CheckedContinuation<Key?, Never>, Key?)] = []
            while !waiters.isEmpty, count > 0 {
                let w = waiters.removeFirst()
                let k = pop()
                processing.insert(k)
                dirty.remove(k)
                metrics?.handedOut(k, at: clock.now)
                out.append((w.continuation, k))
            }
            if shuttingDown, count == 0 {
                out += waiters.map { ($0.continuation, nil) }
                waiters = []
            }
            return out
        }
    }

    /// - Parameters:
    ///   - rateLimiter: the waits of `addRateLimited`; by default `MaxOfRateLimiter.defaultController` on `clock`.
    ///   - clock: times `addAfter` delays (tests pass a `ManualClock`).
    ///   - name, metricsProvider: what to report as (`workqueue_*{name=...}`) and where; no provider, no metrics.
    public init(rateLimiter: (any RateLimiter<Key>)? = nil, clock: any MonotonicClock = ContinuousClock(),
                name: String = "", metricsProvider: (any WorkQueueMetricsProvider)? = nil) {
        self.rateLimiter = rateLimiter ?? MaxOfRateLimiter<Key>.defaultController(clock: clock)
        self.clock = clock
        if let metricsProvider { instrument(name: name, provider: metricsProvider) }
    }

    /// Starts reporting this queue's metrics as `name` (a queue made before its owner knew the provider,
    /// as each controller's is). Keys already queued or being processed count from now. Later calls are
    /// ignored: one queue, one name.
    public func instrument(name: String, provider: any WorkQueueMetricsProvider) {
        let clock = self.clock
        let fresh = state.withLock { s -> Bool in
            guard s.metrics == nil else { return false }
            var recorder = WorkQueueMetricsRecorder<Key>(name: name, provider: provider)
            let now = clock.now
            for key in s.dirty { recorder.added(key, at: now) }
            for key in s.processing { recorder.processingStartTimes[key] = now }
            s.metrics = recorder
            return true
        }
        guard fresh else { return }
        provider.queueInstrumented(name: name) { [weak self] in
            self?.state.withLock { $0.metrics?.updateUnfinishedWork(at: clock.now) }
        }
    }

    private func resume(_ r: [(CheckedContinuation<Key?, Never>, Key?)]) {
        for (c, k) in r { c.resume(returning: k) }
    }

    /// Queues `key` unless it is already queued; if a worker has it, it is queued again after `done`.
    public func add(_ key: Key) {
        resume(state.withLock { s in
            guard !s.shuttingDown, !s.dirty.contains(key) else { return [] }
            s.dirty.insert(key)
            s.metrics?.added(key, at: clock.now)
            if s.processing.contains(key) { return [] }
            s.queue.append(key)
            return s.handOut(clock: clock)
        })
    }

    /// Queues `key` after `delay` (at once when not positive). While it waits, another `addAfter` only
    /// moves it earlier, never later.
    /// Counted as a retry in the metrics, as client-go counts every `AddAfter`.
    public func addAfter(_ key: Key, _ delay: Duration) {
        state.withLock { s in
            if !s.shuttingDown { s.metrics?.retries.inc() }
        }
        guard delay > .zero else { return add(key) }
        let clock = self.clock
        let due = clock.now + delay
        state.withLock { s in
            guard !s.shuttingDown else { return }
            if let existing = s.delayed[key], existing.due <= due { return }
            s.delayed[key]?.timer.cancel()
            let timer = Task { [weak self] in
                do { try await clock.sleep(until: due) } catch { return }
                self?.fire(key, due: due)
            }
            s.delayed[key] = (due, timer)
        }
    }

    private func fire(_ key: Key, due: ContinuousClock.Instant) {
        let isCurrent = state.withLock { s -> Bool in
            guard let d = s.delayed[key], d.due == due else { return false }
            s.delayed[key] = nil
            return true
        }
        if isCurrent { add(key) }
    }

    /// Queues `key` after the rate limiter's wait for it (one more retry).
    public func addRateLimited(_ key: Key) {
        addAfter(key, rateLimiter.when(key))
    }

    /// `key` succeeded: its retry count and backoff start over. It does not remove a queued key.
    public func forget(_ key: Key) {
        rateLimiter.forget(key)
    }

    /// How many times `key` was added with `addRateLimited` since it was last forgotten.
    public func numRequeues(_ key: Key) -> Int {
        rateLimiter.numRequeues(key)
    }

    /// The next key to work on, waiting for one; nil once the queue is shut down and drained, or when the
    /// calling task is cancelled. The caller must call `done(key)` when finished with it.
    public func get() async -> Key? {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Key?, Never>) in
                let ready = state.withLock { s -> (Key?, Bool) in
                    if s.count > 0 {
                        let k = s.pop()
                        s.processing.insert(k)
                        s.dirty.remove(k)
                        s.metrics?.handedOut(k, at: clock.now)
                        return (k, true)
                    }
                    if s.shuttingDown || Task.isCancelled { return (nil, true) }
                    s.waiters.append((id, c))
                    return (nil, false)
                }
                if ready.1 { c.resume(returning: ready.0) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Key?, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            c?.resume(returning: nil)
        }
    }

    /// Ends the processing of `key`; if it was added meanwhile, it is queued again.
    public func done(_ key: Key) {
        resume(state.withLock { s in
            s.processing.remove(key)
            s.metrics?.done(key, at: clock.now)
            guard s.dirty.contains(key) else { return s.handOut(clock: clock) }
            s.queue.append(key)
            return s.handOut(clock: clock)
        })
    }

    /// Stops accepting keys and drops delayed ones; waiting `get` calls return nil once the queue is empty.
    public func shutDown() {
        resume(state.withLock { s in
            s.shuttingDown = true
            for d in s.delayed.values { d.timer.cancel() }
            s.delayed = [:]
            return s.handOut(clock: clock)
        })
    }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// How many keys are queued (not counting those being processed or delayed).
    public var len: Int { state.withLock { $0.count } }

    /// How many `get` calls are parked waiting for a key: tests wait for this instead of sleeping.
    var waitingGets: Int { state.withLock { $0.waiters.count } }

    /// How many keys have been handed to workers: with `waitingGets`, tells a test its keys were worked on.
    var handedOut: Int { state.withLock { $0.handedOut } }

    /// How many keys wait for a delay (`addAfter`, `addRateLimited`) that ends within `horizon`: a test
    /// waiting for a quiet queue counts a retry due soon as work, and a timer minutes away as none.
    func delayed(within horizon: Duration) -> Int {
        let limit = clock.now + horizon
        return state.withLock { s in s.delayed.values.filter { $0.due <= limit }.count }
    }
}
