/// Go's duration syntax (`30s`, `250ms`, `1m30s`, `1h`): kube-proxy's flags are read in it, and upstream's
/// messages print durations with Go's `time.Duration.String` (the kubelet's "Successfully pulled image
/// ... in 1.234s").
public enum GoDuration {
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text), total = Duration.zero
        let units: [(String, Duration)] = [
            ("ns", .nanoseconds(1)), ("us", .microseconds(1)), ("µs", .microseconds(1)), ("ms", .milliseconds(1)),
            ("s", .seconds(1)), ("m", .seconds(60)), ("h", .seconds(3600)),
        ]
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += scale * value
        }
        return total
    }

    /// `time.Duration.String`: `0s`, `850ns`, `1.5µs`, `532ms`, `1.234s`, `2m3.5s`, `1h0m0s`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if total == 0 { return "0s" }
        let sign = total < 0 ? "-" : ""
        let nanos = total.magnitude
        if nanos < 1_000 { return "\(sign)\(nanos)ns" }
        if nanos < 1_000_000 { return sign + decimal(nanos, scale: 1_000) + "µs" }
        if nanos < 1_000_000_000 { return sign + decimal(nanos, scale: 1_000_000) + "ms" }
        let wholeSeconds = nanos / 1_000_000_000
        let secondsText = decimal(nanos % 60_000_000_000, scale: 1_000_000_000) + "s"
        let hours = wholeSeconds / 3600, minutes = wholeSeconds / 60 % 60
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m" + secondsText }
        if minutes > 0 { return "\(sign)\(minutes)m" + secondsText }
        return sign + secondsText
    }

    /// `value / scale` with the fraction's trailing zeros dropped, as Go prints it.
    private static func decimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale, fraction = value % scale
        guard fraction > 0 else { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: String(scale).count - 1 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
