import Foundation
import Testing

@testable import APIMachinery

@Suite struct RFC3339Tests {
    @Test func formatsLikeISO8601DateFormatter() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        for t in [0.0, 86_399.999, 1_764_083_045.5, 951_782_400, 4_102_444_799] {
            let d = Date(timeIntervalSince1970: t)
            #expect(RFC3339.time(d) == f.string(from: d))
        }
    }

    @Test func microTimeHasSixDigitsAndParsesBack() throws {
        let d = Date(timeIntervalSince1970: 1_764_083_045.000123)
        let s = RFC3339.microTime(d)
        #expect(s.hasPrefix("2025-11-25T") && s.hasSuffix("Z"))
        #expect(s.split(separator: ".")[1].count == 7)
        let back = try #require(RFC3339.parse(s))
        #expect(abs(back.timeIntervalSince1970 - d.timeIntervalSince1970) < 0.001)
    }

    @Test func secondsReadsBothForms() {
        #expect(RFC3339.seconds("1970-01-01T00:01:00Z") == 60)
        #expect(RFC3339.seconds("2026-11-25T15:00:00.123456Z") == RFC3339.seconds("2026-11-25T15:00:00Z"))
        #expect(RFC3339.seconds("2026-11-25T16:00:00+01:00") == RFC3339.seconds("2026-11-25T15:00:00Z"))
        #expect(RFC3339.seconds("yesterday") == nil)
    }

    @Test func parseAgreesWithISO8601DateFormatter() throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        for text in ["1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2026-11-25T16:30:00+01:30", "1999-12-31T19:00:00-05:00"] {
            let expected = try #require(f.date(from: text))
            #expect(RFC3339.parse(text) == expected, "\(text)")
        }
        let fractional = try #require(RFC3339.parse("2026-11-25T15:00:00.25Z"))
        #expect(fractional.timeIntervalSince1970 == 1_795_618_800.25)
    }

    @Test func parseRejectsWhatIsNotRFC3339() {
        for bad in ["", "2026-11-25", "2026-11-25 15:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                    "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T15:00:00", "2026-11-25T15:00:00.Z",
                    "2026-11-25T15:00:00+0100", "2026-11-25T15:00:00+25:00", "2026-11-25T15:00:00Zjunk"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}
