/// Go's duration syntax (`30s`, `250ms`, `1m30s`, `1h`), which kube-proxy's flags use.
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
}
