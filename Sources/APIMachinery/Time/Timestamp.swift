import Foundation

/// An instant as Kubernetes carries it: whole seconds since the Unix epoch plus nanoseconds, exactly Go's
/// `time.Time` in UTC, so that `metav1.Time` and `metav1.MicroTime` text is parsed, compared and printed as
/// upstream does it. `Date` (a `Double`) cannot hold nanoseconds exactly near the present; this can.
///
/// The one implementation of Kubernetes time text in Skiff: parsing is in `Timestamp+Parsing.swift`, the
/// day count in `CivilDate`, and `RFC3339` offers the same for callers holding a `Date`.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z, rounded toward negative infinity.
    public let seconds: Int64
    /// 0..<1_000_000_000
    public let nanoseconds: Int64

    /// `time.Unix(seconds, nanoseconds)`: nanoseconds outside 0..<10⁹ carry into the seconds.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        var s = seconds
        var n = nanoseconds
        if n < 0 || n >= 1_000_000_000 {
            s = s &+ n / 1_000_000_000
            n %= 1_000_000_000
            if n < 0 {
                n += 1_000_000_000
                s = s &- 1
            }
        }
        self.seconds = s
        self.nanoseconds = n
    }

    /// The instant nearest to `date`, to the nanosecond. A `Date` near the present is only precise to about
    /// 0.2 µs, so one built from a microsecond value may come out a few hundred nanoseconds early.
    public init(_ date: Date) {
        let t = date.timeIntervalSince1970
        let whole = t.rounded(.down)
        guard whole.magnitude < 9e18 else {
            self.init(seconds: t < 0 ? .min : .max)
            return
        }
        self.init(seconds: Int64(whole), nanoseconds: Int64(((t - whole) * 1e9).rounded()))
    }

    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    /// Go's zero `time.Time`, 0001-01-01T00:00:00Z: what an unset `metav1.Time` decodes to, which upstream
    /// prints as `null` and its printers as `<unknown>`.
    public static let goZero = Timestamp(seconds: -62_135_596_800)

    public var isGoZero: Bool { self == Self.goZero }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }

    /// Nanoseconds from `other` to `self`, saturating at the `Int64` bounds as Go's `Time.Sub` does.
    public func nanoseconds(since other: Timestamp) -> Int64 {
        let (scaled, overflow) = (seconds &- other.seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds > other.seconds ? .max : .min }
        let (sum, overflow2) = scaled.addingReportingOverflow(nanoseconds - other.nanoseconds)
        if overflow2 { return scaled > 0 ? .max : .min }
        return sum
    }

    // MARK: Text

    /// `metav1.Time`'s text, Go's `t.UTC().Format(time.RFC3339)`: `2026-11-25T15:00:00Z`. The fraction is
    /// dropped (truncated), never rounded into the next second.
    public var rfc3339: String { text(fractionDigits: 0) }

    /// `metav1.MicroTime`'s text, Go's `t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")`:
    /// `2026-11-25T15:00:00.123456Z`, with the nanoseconds truncated to microseconds as Go's formatter does.
    public var microTime: String { text(fractionDigits: 6) }

    /// Go's `t.In(zone).Format(time.RFC3339)` for a zone `offsetSeconds` east of UTC: the local time and
    /// `±hh:mm`, or `Z` at offset zero (`2024-03-10T02:00:00-05:00`), as a CronJob's scheduled-time annotation.
    public func rfc3339(offsetSeconds: Int) -> String {
        let local = Timestamp(seconds: seconds + Int64(offsetSeconds), nanoseconds: 0)
        let text = local.text(fractionDigits: 0)
        guard offsetSeconds != 0 else { return text }
        let magnitude = abs(offsetSeconds)
        let zone = (offsetSeconds < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude / 60 % 60)
        return String(text.dropLast()) + zone
    }

    private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    /// Built byte by byte: this runs for every object the API server writes, and neither
    /// `ISO8601DateFormatter` (an ICU formatter per instance) nor `String(format:)` is cheap.
    private func text(fractionDigits: Int) -> String {
        let days = CivilDate.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let date = CivilDate(daysSinceEpoch: days)
        var out: [UInt8] = []
        out.reserveCapacity(28)
        func append(_ value: Int64, width: Int) {
            var digits: [UInt8] = []
            var v = value
            repeat {
                digits.append(UInt8(truncatingIfNeeded: v % 10) + 0x30)
                v /= 10
            } while v > 0
            if digits.count < width { out.append(contentsOf: repeatElement(0x30, count: width - digits.count)) }
            out.append(contentsOf: digits.reversed())
        }
        // Go's appendInt: a negative year is a minus sign and the magnitude padded to four digits.
        if date.year < 0 { out.append(UInt8(ascii: "-")) }
        append(date.year.magnitude > UInt64(Int64.max) ? .max : Int64(date.year.magnitude), width: 4)
        out.append(UInt8(ascii: "-"))
        append(date.month, width: 2)
        out.append(UInt8(ascii: "-"))
        append(date.day, width: 2)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        if fractionDigits > 0 {
            out.append(UInt8(ascii: "."))
            var scale: Int64 = 1_000_000_000
            for _ in 0..<fractionDigits { scale /= 10 }
            append(nanoseconds / scale, width: fractionDigits)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
