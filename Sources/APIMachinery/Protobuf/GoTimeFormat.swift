/// Go's text forms of the time values Kubernetes objects carry, reproduced exactly so a protobuf body
/// decodes to the same JSON the client would have sent.
enum GoTimeFormat {
    /// Unix seconds of Go's zero time (0001-01-01T00:00:00Z), which metav1.Time prints as null.
    static let zeroTimeSeconds: Int64 = -62_135_596_800

    /// resource.ErrFormatWrong, for a Quantity message holding an empty string.
    static let quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    /// metav1.Time's JSON: `2006-01-02T15:04:05Z` in UTC; nil for Go's zero time.
    static func rfc3339(seconds: Int64, nanos: Int64) -> String? {
        guard let (s, _) = normalize(seconds: seconds, nanos: nanos) else { return nil }
        return civil(s) + "Z"
    }

    /// metav1.MicroTime's JSON: `2006-01-02T15:04:05.000000Z` (fraction truncated); nil for the zero time.
    static func rfc3339Micro(seconds: Int64, nanos: Int64) -> String? {
        guard let (s, n) = normalize(seconds: seconds, nanos: nanos) else { return nil }
        return civil(s) + "." + pad(n / 1000, 6) + "Z"
    }

    /// time.Unix's normalisation of out-of-range nanoseconds; nil when the result is Go's zero time.
    private static func normalize(seconds: Int64, nanos: Int64) -> (Int64, Int64)? {
        var s = seconds
        var n = nanos
        if n < 0 || n >= 1_000_000_000 {
            s = s &+ n / 1_000_000_000
            n %= 1_000_000_000
            if n < 0 { n += 1_000_000_000; s = s &- 1 }
        }
        if s == zeroTimeSeconds && n == 0 { return nil }
        return (s, n)
    }

    /// `YYYY-MM-DDTHH:MM:SS` for Unix seconds, proleptic Gregorian calendar (days-from-civil inverse).
    private static func civil(_ unix: Int64) -> String {
        let days = floorDiv(unix, 86_400)
        let secs = unix - days * 86_400
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// time.Duration.String(): "1h2m3.5s", "1.5ms", "2µs", "0s".
    static func duration(nanoseconds d: Int64) -> String {
        var u = d < 0 ? UInt64(bitPattern: 0 &- d) : UInt64(d)
        var out = ""
        if u < 1_000_000_000 {
            let unit: String
            let precision: Int
            switch u {
            case 0: return "0s"
            case ..<1_000: unit = "ns"; precision = 0
            case ..<1_000_000: unit = "µs"; precision = 3
            default: unit = "ms"; precision = 6
            }
            let (frac, rest) = fraction(u, precision)
            out = String(rest) + frac + unit
        } else {
            let (frac, whole) = fraction(u, 9)
            u = whole
            out = String(u % 60) + frac + "s"
            u /= 60
            if u > 0 {
                out = String(u % 60) + "m" + out
                u /= 60
                if u > 0 { out = String(u) + "h" + out }
            }
        }
        return d < 0 ? "-" + out : out
    }

    /// Go's fmtFrac: the fraction of v/10^precision without trailing zeros (and no dot when it is 0).
    private static func fraction(_ v: UInt64, _ precision: Int) -> (String, UInt64) {
        var v = v
        var digits: [Character] = []
        var printing = false
        for _ in 0..<precision {
            let digit = v % 10
            printing = printing || digit != 0
            if printing { digits.insert(Character(String(digit)), at: 0) }
            v /= 10
        }
        return (printing ? "." + String(digits) : "", v)
    }
}
