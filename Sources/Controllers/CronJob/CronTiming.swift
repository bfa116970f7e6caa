import Foundation

/// When a CronJob's Jobs are due (upstream's `mostRecentScheduleTime`, `nextScheduleTime` and
/// `nextScheduleTimeDuration`), from its schedule, creation time and last scheduled time.
struct CronTiming {
    struct InvalidSchedule: Error, CustomStringConvertible {
        var description: String { "time difference between two schedules is less than 1 second" }
    }

    var schedule: CronExpression
    var creation: Date
    var lastSchedule: Date?
    var startingDeadlineSeconds: Int64?

    /// Missed start times beyond this many are reported (TooManyMissedTimes).
    static let manyMissed = 100

    /// The most recent due time at or before `now` since the last run (or creation), and how many were
    /// missed; with `applyDeadline`, times older than startingDeadlineSeconds are not considered.
    func mostRecent(now: Date, applyDeadline: Bool) throws -> (time: Date?, missed: Int) {
        var earliest = lastSchedule ?? creation
        if applyDeadline, let deadline = startingDeadlineSeconds {
            let limit = now.addingTimeInterval(-Double(deadline))
            if limit > earliest { earliest = limit }
        }
        guard let t1 = schedule.next(after: earliest) else { return (nil, 0) }
        if now < t1 { return (nil, 0) }
        guard let t2 = schedule.next(after: t1) else { return (t1, 1) }
        if now < t2 { return (t1, 0) }
        let between = Int64(t2.timeIntervalSince(t1).rounded())
        if between < 1 { throw InvalidSchedule() }
        let elapsed = Int64(now.timeIntervalSince(t1))
        let missed = elapsed / between + 1
        var mostRecent: Date?
        let potentialEarliest = t1.addingTimeInterval(Double((missed - 2) * between))
        var t = schedule.next(after: potentialEarliest)
        while let current = t, current <= now {
            mostRecent = current
            t = schedule.next(after: current)
        }
        return (mostRecent, Int(missed))
    }

    /// The scheduled time to start a Job for now, if one is due.
    func nextScheduleTime(now: Date, tooManyMissed: () -> Void) throws -> Date? {
        let (time, missed) = try mostRecent(now: now, applyDeadline: true)
        guard let time, time <= now else { return nil }
        if missed > Self.manyMissed { tooManyMissed() }
        return time
    }

    /// Seconds from `now` until the sync after the next due time (100 ms past it).
    func nextDelay(now: Date) -> TimeInterval {
        let base: Date
        if let (recent, _) = try? mostRecent(now: now, applyDeadline: false) {
            base = recent ?? (lastSchedule ?? creation)
        } else {
            base = now
        }
        guard let next = schedule.next(after: base) else { return 3600 }
        return next.addingTimeInterval(CronJobController.nextScheduleDelta).timeIntervalSince(now)
    }
}
