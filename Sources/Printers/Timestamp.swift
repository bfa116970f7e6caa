import APIMachinery
import Foundation

/// An RFC 3339 time as the API writes it (`metav1.Time`, `metav1.MicroTime`), kept as whole seconds and
/// nanoseconds since the Unix epoch so ages are computed exactly as Go does.
struct Timestamp: Sendable, Hashable, Comparable {
    var seconds: Int64
    var nanos: Int64

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z), which upstream treats as unset.
    static let goZeroSeconds: Int64 = -62_135_596_800

    static func < (a: Timestamp, b: Timestamp) -> Bool { (a.seconds, a.nanos) < (b.seconds, b.nanos) }

    /// Nanoseconds from `other` to `self`, saturating (Go's `Time.Sub`).
    func nanoseconds(since other: Timestamp) -> Int64 {
        let (scaled, o1) = (seconds - other.seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return seconds > other.seconds ? .max : .min }
        let (sum, o2) = scaled.addingReportingOverflow(nanos - other.nanos)
        if o2 { return scaled > 0 ? .max : .min }
        return sum
    }

    /// Parses `2024-05-01T10:00:00Z`, with optional fractional seconds and a `±hh:mm` offset.
    /// nil for empty, null, malformed or zero (0001-01-01T00:00:00Z) values: upstream's unset time.
    init?(_ json: JSON?) {
        guard let text = json?.string, !text.isEmpty else { return nil }
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + n) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[k] - 0x30)
            }
            i += n
            return v
        }
        func lit(_ chars: String) -> Bool {
            guard i < b.count, chars.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = num(4), lit("-"), let month = num(2), lit("-"), let day = num(2), lit("Tt"),
              let hour = num(2), lit(":"), let minute = num(2), lit(":"), let second = num(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 9 { fraction = fraction * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { fraction *= 10 }
        }
        var offset: Int64 = 0
        if lit("Zz") {
            // UTC
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = num(2), lit(":"), let om = num(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        if secs == Self.goZeroSeconds && fraction == 0 { return nil }
        seconds = secs
        nanos = fraction
    }

    init(seconds: Int64, nanos: Int64 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    /// `now` to the microsecond (a `Date` carries floating-point noise below that).
    init(_ date: Date) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        seconds = r < 0 ? q - 1 : q
        nanos = (r < 0 ? r + 1_000_000 : r) * 1000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `2024-05-01T10:00:00Z`: Go's `Time.UTC().Format(time.RFC3339)` (whole seconds).
    var rfc3339: String {
        let secs = seconds
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // civil_from_days
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))Z"
    }
}

/// Upstream's `translateTimestampSince`: the age of a timestamp, or "<unknown>" when it is unset.
func translateTimestampSince(_ timestamp: Timestamp?, now: Date) -> String {
    guard let timestamp else { return "<unknown>" }
    return humanDuration(nanoseconds: Timestamp(now).nanoseconds(since: timestamp))
}

func translateTimestampSince(_ json: JSON?, now: Date) -> String {
    translateTimestampSince(Timestamp(json), now: now)
}
