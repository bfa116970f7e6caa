/// Reads samples out of a Prometheus text exposition, so metric tests assert values rather than whole
/// lines (label order and float spelling are the library's business).
public struct PrometheusSamples: Sendable {
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public let samples: [Sample]
    /// `# HELP` and `# TYPE` lines by metric name.
    public let help: [String: String]
    public let types: [String: String]

    public init(_ text: String) {
        var samples: [Sample] = [], help: [String: String] = [:], types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { continue }
                let name = String(rest[..<space]), value = String(rest[rest.index(after: space)...])
                if line.hasPrefix("# HELP ") { help[name] = value } else { types[name] = value }
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { continue }
            let series = line[..<space]
            var labels: [String: String] = [:]
            var name = String(series)
            if let open = series.firstIndex(of: "{"), series.hasSuffix("}") {
                name = String(series[..<open])
                var body = series[series.index(after: open)..<series.index(before: series.endIndex)]
                // label="value" pairs; values here never hold `",` so a plain scan is enough.
                while let eq = body.firstIndex(of: "=") {
                    let key = String(body[..<eq]).trimmingPrefix(",")
                    let afterQuote = body.index(eq, offsetBy: 2)
                    guard afterQuote <= body.endIndex, let close = body[afterQuote...].firstIndex(of: "\"") else { break }
                    labels[String(key)] = String(body[afterQuote..<close])
                    body = body[body.index(after: close)...]
                }
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        (self.samples, self.help, self.types) = (samples, help, types)
    }

    /// The value of the one series named `name` whose labels include `labels`; nil when none (or several) match.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// Every series named `name`.
    public func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }
}
