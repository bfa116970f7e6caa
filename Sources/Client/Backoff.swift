/// Exponential backoff with jitter that forgets past failures after a quiet spell (client-go's
/// `ExponentialBackoffManager`, which reflectors use between relists).
///
/// Jitter spreads the retries of many clients that failed at the same moment (an API server restart)
/// so they do not all come back at once.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var factor: Double
    /// Each wait is `d + random(0 ..< jitter * d)`.
    public var jitter: Double
    /// When this long has passed since the previous wait was handed out, the next one starts over at
    /// `initial`.
    public var resetAfter: Duration

    var current: Duration?
    var lastHandedOut: ContinuousClock.Instant?

    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30), factor: Double = 2,
                jitter: Double = 1, resetAfter: Duration = .seconds(120)) {
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The reflector's defaults: 800ms doubling to 30s, full jitter, reset after 2 minutes of calm.
    public static let reflectorDefault = Backoff()

    /// The next wait.
    public mutating func next(now: ContinuousClock.Instant = .now) -> Duration {
        if let last = lastHandedOut, now - last > resetAfter { current = nil }
        let base: Duration
        if let c = current {
            base = min(c * factor, maximum)
        } else {
            base = min(initial, maximum)
        }
        current = base
        lastHandedOut = now
        guard jitter > 0 else { return base }
        return base + base * Double.random(in: 0..<jitter)
    }

    /// Forgets past failures: the next wait is `initial` again.
    public mutating func reset() {
        current = nil
        lastHandedOut = nil
    }
}
