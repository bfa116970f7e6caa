/// The clock that components' timers read and sleep on: work queue delays, rate limiter buckets, leader
/// election leases, the scheduling queue's backoff and the node lifecycle controller's grace period.
///
/// Every such type takes one (defaulting to `ContinuousClock`), so that its tests move time by hand with
/// `ManualClock` instead of sleeping and asserting how long the machine took. Instants are
/// `ContinuousClock.Instant`s so that deadlines can be stored, compared and logged without generics;
/// wall-clock timestamps written to objects (Lease renewTime, Event lastTimestamp) stay `Date`s.
public protocol MonotonicClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (at once when it has passed); throws `CancellationError` when the task is
    /// cancelled first.
    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws
}

extension ContinuousClock: MonotonicClock {}

extension MonotonicClock {
    /// Sleeps for `duration` from `now`.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration), tolerance: nil)
    }

    /// Sleeps until `deadline`.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(until: deadline, tolerance: nil)
    }
}
