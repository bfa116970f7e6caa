import Foundation

/// Kubernetes' time formats: `metav1.Time` (RFC 3339, seconds, UTC) and `metav1.MicroTime` (six fractional
/// digits). Formatting goes through `gmtime_r` rather than `ISO8601DateFormatter`, which builds an ICU
/// formatter per instance and showed up as a sixth of the API server's time per request.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        var t = time_t(floor(date.timeIntervalSince1970))
        var tm = tm()
        gmtime_r(&t, &tm)
        var s = ""
        s.reserveCapacity(27)
        pad(&s, Int(tm.tm_year) + 1900, 4); s += "-"
        pad(&s, Int(tm.tm_mon) + 1, 2); s += "-"
        pad(&s, Int(tm.tm_mday), 2); s += "T"
        pad(&s, Int(tm.tm_hour), 2); s += ":"
        pad(&s, Int(tm.tm_min), 2); s += ":"
        pad(&s, Int(tm.tm_sec), 2)
        return s
    }

    /// `2026-11-25T15:00:00Z`
    public static func time(_ date: Date = Date()) -> String { format(date) + "Z" }

    /// `2026-11-25T15:00:00.123456Z`
    public static func microTime(_ date: Date = Date()) -> String {
        let whole = floor(date.timeIntervalSince1970)
        var micros = Int(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded(.down))
        micros = min(max(micros, 0), 999_999)
        var s = format(date) + "."
        pad(&s, micros, 6)
        return s + "Z"
    }

    /// Whole seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.frac]Z`, read without a formatter; other
    /// forms go through `parse`.
    public static func seconds(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int32? {
            guard from + len <= b.count else { return nil }
            var v: Int32 = 0
            for i in from..<(from + len) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int32(b[i] - 48)
            }
            return v
        }
        if b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90,
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2)
        {
            var tm = tm()
            tm.tm_year = y - 1900
            tm.tm_mon = mo - 1
            tm.tm_mday = d
            tm.tm_hour = h
            tm.tm_min = mi
            tm.tm_sec = se
            return Int64(timegm(&tm))
        }
        return parse(s).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// Parses RFC 3339 text with any number of fractional digits (or none) and a `Z` or `±hh:mm` offset
    /// (`metav1.Time`, `metav1.MicroTime`, and what other clients write); nil for anything else. Read by
    /// hand and converted with `timegm`: `ISO8601DateFormatter` and `Calendar` load ICU's data, which a
    /// kubelet parsing container start times would otherwise keep resident (~4 MiB).
    public static func parse(_ text: String) -> Date? {
        let s = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= s.count else { return nil }
            var v = 0
            for b in s[from..<(from + len)] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard s.count >= 20, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
              s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t"),
              s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":"),
              let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
              let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                fraction += Double(s[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < s.count else { return nil }
        var offset = 0
        if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            i += 1
        } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), i + 3 < s.count, s[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (Int32(year - 1900), Int32(month - 1), Int32(day))
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (Int32(hour), Int32(minute), Int32(second))
        let whole = timegm(&parts)
        return Date(timeIntervalSince1970: Double(whole) + fraction - Double(offset))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ s: inout String, _ v: Int, _ width: Int) {
        let digits = String(v)
        if digits.count < width { s += String(repeating: "0", count: width - digits.count) }
        s += digits
    }
}
