import APIMachinery
import Foundation

extension Timestamp {
    /// A time field of a printed object: nil when it is missing, null, not RFC 3339, or Go's zero time,
    /// all of which upstream's printers see as an unset `metav1.Time` (and print as `<unknown>`).
    init?(_ json: JSON?) {
        guard let text = json?.string, let t = Timestamp(rfc3339: text), !t.isGoZero else { return nil }
        self = t
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
