/// Go's text forms of the time values Kubernetes objects carry, reproduced exactly so a protobuf body
/// decodes to the same JSON the client would have sent.
enum GoTimeFormat {
    /// metav1.Time's JSON: `2006-01-02T15:04:05Z` in UTC; nil for Go's zero time.
    static func rfc3339(seconds: Int64, nanos: Int64) -> String? {
        let t = Timestamp(seconds: seconds, nanoseconds: nanos)
        return t.isGoZero ? nil : t.rfc3339
    }

    /// metav1.MicroTime's JSON: `2006-01-02T15:04:05.000000Z` (fraction truncated); nil for the zero time.
    static func rfc3339Micro(seconds: Int64, nanos: Int64) -> String? {
        let t = Timestamp(seconds: seconds, nanoseconds: nanos)
        return t.isGoZero ? nil : t.microTime
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
