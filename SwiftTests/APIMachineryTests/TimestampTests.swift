import Foundation
import Testing

@testable import APIMachinery

/// `Timestamp` against Go's `time` package: what `metav1.Time` / `metav1.MicroTime` decode and print.
@Suite struct TimestampTests {
    @Test func formatsLikeISO8601DateFormatter() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        for t in [0.0, 86_399.999, 1_764_083_045.5, 951_782_400, 4_102_444_799, -86_401] {
            let d = Date(timeIntervalSince1970: t)
            #expect(RFC3339.time(d) == f.string(from: d))
        }
    }

    /// Go's formatter truncates: .999999999 stays in its second, and MicroTime drops the nanoseconds.
    /// (Client's old MicroTime rounded, printing 00:00:01.000000Z for the Date below.)
    @Test func formattingTruncatesAsGoDoes() {
        let t = Timestamp(seconds: 1_795_618_800, nanoseconds: 123_456_999)
        #expect(t.microTime == "2026-11-25T15:00:00.123456Z")
        #expect(t.rfc3339 == "2026-11-25T15:00:00Z")
        let last = Timestamp(seconds: 59, nanoseconds: 999_999_999)
        #expect(last.microTime == "1970-01-01T00:00:59.999999Z")
        #expect(last.rfc3339 == "1970-01-01T00:00:59Z")
        #expect(RFC3339.microTime(Date(timeIntervalSince1970: 0.9999996)) == "1970-01-01T00:00:00.999999Z")
        #expect(RFC3339.time(Date(timeIntervalSince1970: 0.9999996)) == "1970-01-01T00:00:00Z")
    }

    /// Go's `t.In(zone).Format(time.RFC3339)`: local time and the zone's offset, `Z` only at offset zero;
    /// the text reads back as the same instant.
    @Test func formatsInAZoneWithItsOffset() {
        let t = Timestamp(seconds: 1_710_054_000, nanoseconds: 500_000_000)  // 2024-03-10T07:00:00.5Z
        #expect(t.rfc3339(offsetSeconds: 0) == "2024-03-10T07:00:00Z")
        #expect(t.rfc3339(offsetSeconds: -5 * 3600) == "2024-03-10T02:00:00-05:00")
        #expect(t.rfc3339(offsetSeconds: 5 * 3600 + 1800) == "2024-03-10T12:30:00+05:30")
        #expect(t.rfc3339(offsetSeconds: -(9 * 3600 + 1800)) == "2024-03-09T21:30:00-09:30")
        for offset in [-43_200, -34_200, 0, 19_800, 50_400] {
            #expect(Timestamp(rfc3339: t.rfc3339(offsetSeconds: offset))?.seconds == t.seconds)
        }
    }

    @Test func formatsBeforeTheEpochAndGoZero() {
        #expect(Timestamp(seconds: -1, nanoseconds: 500_000_000).microTime == "1969-12-31T23:59:59.500000Z")
        #expect(Timestamp.goZero.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(seconds: 253_402_300_799).rfc3339 == "9999-12-31T23:59:59Z")
        // time.Unix's normalisation: negative nanoseconds borrow from the seconds.
        #expect(Timestamp(seconds: 1, nanoseconds: -1) == Timestamp(seconds: 0, nanoseconds: 999_999_999))
    }

    @Test func parsesOffsetsAndFractions() throws {
        let utc = try #require(Timestamp(rfc3339: "2026-11-25T15:00:00Z"))
        #expect(utc.seconds == 1_795_618_800 && utc.nanoseconds == 0)
        #expect(Timestamp(rfc3339: "2026-11-25T16:30:00+01:30") == utc)
        #expect(Timestamp(rfc3339: "2026-11-25T10:00:00-05:00") == utc)
        #expect(Timestamp(rfc3339: "2026-11-25T15:00:00.25Z") == Timestamp(seconds: 1_795_618_800, nanoseconds: 250_000_000))
        // Digits past the ninth are dropped, not rounded.
        #expect(Timestamp(rfc3339: "2026-11-25T15:00:00.1234567899Z")?.nanoseconds == 123_456_789)
        #expect(RFC3339.seconds("2026-11-25T15:00:00.999Z") == 1_795_618_800)
        #expect(RFC3339.parse("2026-11-25T15:00:00.25Z")?.timeIntervalSince1970 == 1_795_618_800.25)
    }

    /// time.Parse(time.RFC3339) falls back to Go's general layout parser, which is laxer than RFC 3339.
    @Test func acceptsGoLeniencies() {
        #expect(Timestamp(rfc3339: "2026-11-25T5:00:00Z") == Timestamp(rfc3339: "2026-11-25T05:00:00Z"))
        #expect(Timestamp(rfc3339: "2026-11-25T15:00:00,5Z")?.nanoseconds == 500_000_000)
        #expect(Timestamp(rfc3339: "2026-11-25T15:00:00+24:00") == Timestamp(rfc3339: "2026-11-24T15:00:00Z"))
        #expect(Timestamp(rfc3339: "2026-11-25T15:00:00+00:60") == Timestamp(rfc3339: "2026-11-25T14:00:00Z"))
    }

    /// Feb 31 is "day out of range" in Go; Printers' old parser accepted it and timegm rolled it into March.
    @Test func rejectsDaysTheMonthLacks() {
        for bad in ["2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                    "2026-01-00T00:00:00Z"] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2000-02-29T00:00:00Z") != nil)
    }

    @Test func rejectsWhatGoRejects() {
        for bad in ["", "2026-11-25", "2026-11-25 15:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z",
                    "2026-11-25T15:60:00Z", "2026-11-25T15:00:60Z", "2026-11-25T15:00:00", "2026-11-25T15:00:00.Z",
                    "2026-11-25T15:00:00+0100", "2026-11-25T15:00:00+25:00", "2026-11-25T15:00:00+01:61",
                    "2026-11-25T15:00:00Zjunk", "2026-11-25t15:00:00Z", "2026-11-25T15:00:00z", "26-11-25T15:00:00Z",
                    "2026-1-25T15:00:00Z", "2026-11-25T15:0:00Z"] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
    }

    /// MicroTime's layout `.000000` wants exactly six fractional digits.
    @Test func microTimeParsingWantsSixDigits() {
        #expect(Timestamp(microTime: "2026-11-25T15:00:00.123456Z") == Timestamp(seconds: 1_795_618_800, nanoseconds: 123_456_000))
        #expect(Timestamp(microTime: "2026-11-25T16:00:00.000001+01:00") == Timestamp(seconds: 1_795_618_800, nanoseconds: 1000))
        for bad in ["2026-11-25T15:00:00Z", "2026-11-25T15:00:00.12345Z", "2026-11-25T15:00:00.1234567Z", "2026-02-31T15:00:00.000000Z"] {
            #expect(Timestamp(microTime: bad) == nil, "\(bad)")
        }
    }

    @Test func roundTripsItsOwnText() {
        for t in [Timestamp(seconds: 1_795_618_800, nanoseconds: 123_456_000), Timestamp(seconds: -62_135_596_799), Timestamp(seconds: 0)] {
            #expect(Timestamp(microTime: t.microTime) == t)
            #expect(Timestamp(rfc3339: t.microTime) == t)
        }
    }

    /// The day count against libc's gmtime_r, every ~97 days from year 1 to 9999.
    @Test func civilDateAgreesWithGmtime() {
        var days: Int64 = -719_162
        while days < 2_932_896 {
            var t = time_t(days * 86_400)
            var parts = tm()
            gmtime_r(&t, &parts)
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.year == Int64(parts.tm_year) + 1900 && date.month == Int64(parts.tm_mon) + 1 && date.day == Int64(parts.tm_mday))
            #expect(date.daysSinceEpoch == days)
            days += 97
        }
    }

    @Test func subtractionSaturates() {
        #expect(Timestamp(seconds: 2).nanoseconds(since: Timestamp(seconds: 1, nanoseconds: 500_000_000)) == 500_000_000)
        #expect(Timestamp(seconds: .max / 2).nanoseconds(since: Timestamp.goZero) == .max)
        #expect(Timestamp.goZero.nanoseconds(since: Timestamp(seconds: .max / 2)) == .min)
    }
}
