/// Upstream's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration): ~2-3 significant
/// figures, e.g. "45s", "119s", "2m", "9m59s", "10m", "179m", "3h", "7h59m", "8h", "47h", "2d", "7d23h",
/// "8d", "729d", "2y", "7y364d", "8y". Up to 1s in the future reads "0s"; further is "<invalid>".
public func humanDuration(nanoseconds d: Int64) -> String {
    let second: Int64 = 1_000_000_000
    let minute = 60 * second
    let hour = 60 * minute
    // Go's int(d.Seconds()) truncates toward zero.
    let seconds = d / second
    if seconds < -1 { return "<invalid>" }
    if seconds < 0 { return "0s" }
    if seconds < 60 * 2 { return "\(seconds)s" }
    let minutes = d / minute
    if minutes < 10 {
        let s = (d / second) % 60
        return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
    }
    if minutes < 60 * 3 { return "\(minutes)m" }
    let hours = d / hour
    if hours < 8 {
        let m = (d / minute) % 60
        return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
    }
    if hours < 48 { return "\(hours)h" }
    if hours < 24 * 8 {
        let h = hours % 24
        return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
    }
    if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365
        return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
    }
    return "\(hours / 24 / 365)y"
}

/// `humanDuration` of a `Duration`.
public func humanDuration(_ duration: Duration) -> String {
    let (s, atto) = duration.components
    return humanDuration(nanoseconds: s &* 1_000_000_000 &+ atto / 1_000_000_000)
}
