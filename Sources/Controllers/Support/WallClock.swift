import Client
import Foundation

/// Wall-clock time read through a `MonotonicClock` (upstream controllers' `clock.WithTicker`): the Job,
/// CronJob, TTL and pod GC controllers compare object timestamps (a Job's startTime, a CronJob's schedule)
/// with "now" and also sleep until a time. Tests hand in a `ManualClock`; then both the dates the
/// controller reads and the delays its work queue sleeps move only when the test advances the clock.
public struct WallClock: Sendable {
    public let clock: any MonotonicClock
    let anchorInstant: ContinuousClock.Instant
    let anchorDate: Date

    /// `anchor` is the date at the clock's current instant (the real time by default).
    public init(clock: any MonotonicClock = ContinuousClock(), anchor: Date = Date()) {
        self.clock = clock
        anchorInstant = clock.now
        anchorDate = anchor
    }

    public var now: Date {
        let elapsed = anchorInstant.duration(to: clock.now)
        let (s, atto) = elapsed.components
        return anchorDate.addingTimeInterval(Double(s) + Double(atto) / 1e18)
    }

    /// The duration from now until `date` (negative when it has passed).
    public func until(_ date: Date) -> Duration {
        .milliseconds(Int64((date.timeIntervalSince(now) * 1000).rounded(.up)))
    }
}
