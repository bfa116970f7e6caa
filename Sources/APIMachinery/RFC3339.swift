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

    /// Parses either form (and offsets other than Z); nil for anything else.
    public static func parse(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }

    private static func pad(_ s: inout String, _ v: Int, _ width: Int) {
        let digits = String(v)
        if digits.count < width { s += String(repeating: "0", count: width - digits.count) }
        s += digits
    }
}
