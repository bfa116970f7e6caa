import APIMachinery
import Foundation

/// `metav1.MicroTime` text: RFC 3339 in UTC with exactly six fractional digits,
/// `2026-11-25T15:00:00.000000Z`, the format of Lease `acquireTime` / `renewTime` and Event times.
public enum MicroTime {
    /// The MicroTime text of `date`, to the nearest microsecond (rounding, not truncating, so that a
    /// `Date` built from a microsecond value prints that value despite floating-point error).
    public static func format(_ date: Date) -> String {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = Int((totalMicros / 1_000_000).rounded(.down))
        var micros = Int(totalMicros - Double(seconds) * 1_000_000)
        if micros >= 1_000_000 { seconds += 1; micros -= 1_000_000 }
        if micros < 0 { seconds -= 1; micros += 1_000_000 }
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// Parses RFC 3339 text with any number of fractional digits (or none) and a `Z` or `±hh:mm` offset;
    /// nil when it is not such text.
    public static func parse(_ text: String) -> Date? { RFC3339.parse(text) }
}
