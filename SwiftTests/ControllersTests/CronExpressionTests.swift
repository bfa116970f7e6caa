import Foundation
import Testing

@testable import Controllers

@Suite struct CronExpressionTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    func next(_ spec: String, after: String, tz: String = "UTC") throws -> String? {
        let e = try CronExpression(parsing: spec, timeZone: TimeZone(identifier: tz)!)
        guard let d = e.next(after: date(after)) else { return nil }
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: tz)!
        return f.string(from: d)
    }

    @Test func fieldsRangesStepsListsAndNames() throws {
        #expect(try next("*/1 * * * *", after: "2024-05-01T10:00:30Z") == "2024-05-01T10:01:00Z")
        #expect(try next("* * * * *", after: "2024-05-01T10:00:00Z") == "2024-05-01T10:01:00Z")
        #expect(try next("*/15 * * * *", after: "2024-05-01T10:16:00Z") == "2024-05-01T10:30:00Z")
        #expect(try next("5,35 9-17 * * *", after: "2024-05-01T17:40:00Z") == "2024-05-02T09:05:00Z")
        #expect(try next("0 0 * * MON-fri", after: "2024-05-03T12:00:00Z") == "2024-05-06T00:00:00Z")
        #expect(try next("0 12 1 jan,JUL *", after: "2024-02-01T00:00:00Z") == "2024-07-01T12:00:00Z")
        #expect(try next("10-50/20 * * * *", after: "2024-05-01T10:31:00Z") == "2024-05-01T10:50:00Z")
        #expect(try next("30/10 * * * *", after: "2024-05-01T10:51:00Z") == "2024-05-01T11:30:00Z")
        #expect(try next("0 0 29 2 *", after: "2024-03-01T00:00:00Z") == "2028-02-29T00:00:00Z")
        // Day of month and day of week both restricted: either matches (1st of the month or a Sunday).
        #expect(try next("0 0 1 * 0", after: "2024-05-02T00:00:00Z") == "2024-05-05T00:00:00Z")
        // One of them `*`: both must match.
        #expect(try next("0 0 * * 0", after: "2024-05-02T00:00:00Z") == "2024-05-05T00:00:00Z")
        #expect(try next("0 0 13 * *", after: "2024-05-14T00:00:00Z") == "2024-06-13T00:00:00Z")
        // Never: 31 February.
        #expect(try next("0 0 31 2 *", after: "2024-01-01T00:00:00Z") == nil)
    }

    @Test func descriptors() throws {
        #expect(try next("@yearly", after: "2024-05-01T10:00:00Z") == "2025-01-01T00:00:00Z")
        #expect(try next("@annually", after: "2024-05-01T10:00:00Z") == "2025-01-01T00:00:00Z")
        #expect(try next("@monthly", after: "2024-05-01T10:00:00Z") == "2024-06-01T00:00:00Z")
        #expect(try next("@weekly", after: "2024-05-01T10:00:00Z") == "2024-05-05T00:00:00Z")
        #expect(try next("@daily", after: "2024-05-01T10:00:00Z") == "2024-05-02T00:00:00Z")
        #expect(try next("@midnight", after: "2024-05-01T10:00:00Z") == "2024-05-02T00:00:00Z")
        #expect(try next("@hourly", after: "2024-05-01T10:00:00Z") == "2024-05-01T11:00:00Z")
        #expect(try next("@every 1h30m", after: "2024-05-01T10:00:00Z") == "2024-05-01T11:30:00Z")
    }

    @Test func parseErrorsAsRobfig() {
        func error(_ spec: String) -> String? {
            do { _ = try CronExpression(parsing: spec); return nil } catch { return "\(error)" }
        }
        #expect(error("* * * *") == "expected exactly 5 fields, found 4: [* * * *]")
        #expect(error("60 * * * *") == "end of range (60) above maximum (59): 60")
        #expect(error("* * 0 * *") == "beginning of range (0) below minimum (1): 0")
        #expect(error("5-1 * * * *") == "beginning of range (5) beyond end of range (1): 5-1")
        #expect(error("*/0 * * * *") == "step of range should be a positive number: */0")
        #expect(error("@fortnightly") == "unrecognized descriptor: @fortnightly")
        #expect(error("* * * * 7") == "end of range (7) above maximum (6): 7")
        #expect(error("x * * * *")?.hasPrefix("failed to parse int from x") == true)
    }

    @Test func timeZoneAndDaylightSaving() throws {
        // 09:00 in New York is 13:00 UTC in summer, 14:00 in winter.
        #expect(try next("0 9 * * *", after: "2024-07-01T12:00:00Z", tz: "America/New_York") == "2024-07-01T09:00:00-04:00")
        #expect(try next("0 9 * * *", after: "2024-12-01T15:00:00Z", tz: "America/New_York") == "2024-12-02T09:00:00-05:00")
        // Spring forward (10 March 2024, 02:00 → 03:00): 02:30 does not exist that day and is skipped.
        #expect(try next("30 2 * * *", after: "2024-03-10T05:00:00Z", tz: "America/New_York") == "2024-03-11T02:30:00-04:00")
        // Hourly across the gap: 01:00 EST, then 03:00 EDT.
        #expect(try next("0 * * * *", after: "2024-03-10T06:00:00Z", tz: "America/New_York") == "2024-03-10T03:00:00-04:00")
        // Fall back (3 November 2024, 02:00 → 01:00): 01:30 happens twice, and runs twice.
        let first = try #require(try next("30 1 * * *", after: "2024-11-03T04:00:00Z", tz: "America/New_York"))
        #expect(first == "2024-11-03T01:30:00-04:00")
        let second = try next("30 1 * * *", after: "2024-11-03T05:30:00Z", tz: "America/New_York")
        #expect(second == "2024-11-03T01:30:00-05:00")
        // A schedule's TZ= prefix is the robfig form the time zone takes.
        let e = try CronExpression(parsing: "TZ=Europe/Berlin 0 8 * * *")
        #expect(e.timeZone.identifier == "Europe/Berlin")
    }

    @Test func timingOfMissedAndDueRuns() throws {
        let sched = try CronExpression(parsing: "*/1 * * * *", timeZone: utc)
        let created = date("2024-05-01T10:00:20Z")
        var t = CronTiming(schedule: sched, creation: created, lastSchedule: nil, startingDeadlineSeconds: nil)
        // Nothing due before the first minute boundary; the wake-up is 100 ms after it.
        #expect(try t.mostRecent(now: date("2024-05-01T10:00:50Z"), applyDeadline: true).time == nil)
        #expect(abs(t.nextDelay(now: date("2024-05-01T10:00:50Z")) - 10.1) < 0.001)
        // At 10:01:00.5 the 10:01 run is due.
        let due = try t.nextScheduleTime(now: date("2024-05-01T10:01:00Z").addingTimeInterval(0.5)) {}
        #expect(due == date("2024-05-01T10:01:00Z"))
        // Missed several: the most recent one is due; with a 30 s starting deadline none is, at 10:05:40.
        #expect(try t.nextScheduleTime(now: date("2024-05-01T10:05:10Z")) {} == date("2024-05-01T10:05:00Z"))
        t.startingDeadlineSeconds = 30
        #expect(try t.nextScheduleTime(now: date("2024-05-01T10:05:40Z")) {} == nil)
        // After running at 10:01 the next wake-up is 10:02:00.1.
        t.lastSchedule = date("2024-05-01T10:01:00Z")
        t.startingDeadlineSeconds = nil
        #expect(abs(t.nextDelay(now: date("2024-05-01T10:01:00Z").addingTimeInterval(0.5)) - 59.6) < 0.001)
        #expect(CronJobController.jobName("hello", date("2024-05-01T10:01:00Z")) == "hello-28575961")
    }

    @Test func scheduledTimestampAnnotationInTheZone() {
        let d = date("2024-07-01T13:00:00Z")
        #expect(CronJobController.rfc3339(d, in: utc) == "2024-07-01T13:00:00Z")
        #expect(CronJobController.rfc3339(d, in: TimeZone(identifier: "America/New_York")!) == "2024-07-01T09:00:00-04:00")
        #expect(CronJobController.rfc1123Z(d) == "Mon, 01 Jul 2024 13:00:00 +0000")
    }
}
