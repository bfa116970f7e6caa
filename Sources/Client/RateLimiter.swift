import Synchronization

/// Decides how long an item waits before it is retried (client-go's `workqueue.TypedRateLimiter`).
public protocol RateLimiter<Item>: Sendable {
    associatedtype Item: Hashable & Sendable
    /// How long `item` should wait now; counts as one more retry.
    func when(_ item: Item) -> Duration
    /// Stops tracking `item` (it succeeded): its next failure starts from the shortest wait again.
    func forget(_ item: Item)
    /// How many times `item` has been retried since it was last forgotten.
    func numRequeues(_ item: Item) -> Int
}

/// Per-item exponential backoff: `base * 2^failures`, capped at `maximum` (client-go's
/// `ItemExponentialFailureRateLimiter`). The first retry waits `base`.
public final class ItemExponentialFailureRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let base: Duration
    public let maximum: Duration
    let failures = Mutex<[Item: Int]>([:])

    public init(base: Duration, maximum: Duration) {
        self.base = base
        self.maximum = maximum
    }

    public func when(_ item: Item) -> Duration {
        let exp = failures.withLock { f -> Int in
            let e = f[item, default: 0]
            f[item] = e + 1
            return e
        }
        // Computed in floating point so large exponents saturate instead of overflowing.
        let seconds = (Double(base.components.seconds) + Double(base.components.attoseconds) * 1e-18) * pow2(exp)
        let maxSeconds = Double(maximum.components.seconds) + Double(maximum.components.attoseconds) * 1e-18
        if !seconds.isFinite || seconds >= maxSeconds { return maximum }
        return .nanoseconds(Int64(seconds * 1e9))
    }

    private func pow2(_ e: Int) -> Double {
        e >= 1024 ? .infinity : Double(sign: .plus, exponent: e, significand: 1)
    }

    public func forget(_ item: Item) {
        _ = failures.withLock { $0.removeValue(forKey: item) }
    }

    public func numRequeues(_ item: Item) -> Int {
        failures.withLock { $0[item, default: 0] }
    }
}

/// An overall token bucket: `qps` retries a second with bursts of `burst` (client-go's
/// `BucketRateLimiter` over `rate.Limiter`). Keeps a flood of failing items from hammering the server.
public final class BucketRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let qps: Double
    public let burst: Int
    /// Refills the bucket as it moves.
    public let clock: any MonotonicClock
    let bucket: Mutex<Bucket>

    struct Bucket {
        var tokens: Double
        var last: ContinuousClock.Instant
    }

    public init(qps: Double, burst: Int, clock: any MonotonicClock = ContinuousClock()) {
        self.qps = qps
        self.burst = burst
        self.clock = clock
        bucket = Mutex(Bucket(tokens: Double(burst), last: clock.now))
    }

    public func when(_ item: Item) -> Duration {
        let now = clock.now
        return bucket.withLock { b in
            let elapsed = now - b.last
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            b.tokens = min(Double(burst), b.tokens + max(elapsedSeconds, 0) * qps)
            b.last = max(b.last, now)
            b.tokens -= 1
            guard b.tokens < 0, qps > 0 else { return .zero }
            return .nanoseconds(Int64(-b.tokens / qps * 1e9))
        }
    }

    public func forget(_ item: Item) {}
    public func numRequeues(_ item: Item) -> Int { 0 }
}

/// The longest wait of several limiters (client-go's `MaxOfRateLimiter`).
public final class MaxOfRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let limiters: [any RateLimiter<Item>]

    public init(_ limiters: [any RateLimiter<Item>]) { self.limiters = limiters }

    public func when(_ item: Item) -> Duration {
        limiters.map { $0.when(item) }.max() ?? .zero
    }

    public func forget(_ item: Item) {
        for l in limiters { l.forget(item) }
    }

    public func numRequeues(_ item: Item) -> Int {
        limiters.map { $0.numRequeues(item) }.max() ?? 0
    }
}

extension MaxOfRateLimiter {
    /// Controllers' default (client-go's `DefaultTypedControllerRateLimiter`): per item 5ms doubling up to
    /// 1000s, and overall 10 retries a second with bursts of 100, the bucket refilling by `clock`.
    public static func defaultController(clock: any MonotonicClock = ContinuousClock()) -> MaxOfRateLimiter<Item> {
        MaxOfRateLimiter([
            ItemExponentialFailureRateLimiter<Item>(base: .milliseconds(5), maximum: .seconds(1000)),
            BucketRateLimiter<Item>(qps: 10, burst: 100, clock: clock),
        ])
    }
}
