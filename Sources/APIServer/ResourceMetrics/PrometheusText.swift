import Foundation

/// One sample of the Prometheus text exposition format: `name{label="value",...} value [timestamp_ms]`.
struct PrometheusSample: Sendable, Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
    /// Milliseconds since the epoch, when the line carries one.
    var timestampMilliseconds: Int64?
}

/// Reads the sample lines of a Prometheus text page (what the kubelet's `/metrics/resource` serves);
/// comments (`# HELP`, `# TYPE`) and blank lines are skipped, a malformed line is an error naming it,
/// as metrics-server's decoder refuses a page it cannot read. swift-prometheus only writes this format,
/// so the reading side is here.
enum PrometheusText {
    struct ParseError: Error, CustomStringConvertible, Equatable {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func parse(_ text: String) throws(ParseError) -> [PrometheusSample] {
        var out: [PrometheusSample] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            out.append(try parseLine(Substring(line), number: number))
        }
        return out
    }

    static func parseLine(_ line: Substring, number: Int) throws(ParseError) -> PrometheusSample {
        var i = line.startIndex
        while i < line.endIndex, line[i] != "{", line[i] != " ", line[i] != "\t" { i = line.index(after: i) }
        let name = String(line[line.startIndex..<i])
        guard !name.isEmpty else { throw ParseError(line: number, reason: "no metric name") }
        var labels: [String: String] = [:]
        if i < line.endIndex, line[i] == "{" {
            i = line.index(after: i)
            while true {
                while i < line.endIndex, line[i] == " " || line[i] == "," { i = line.index(after: i) }
                guard i < line.endIndex else { throw ParseError(line: number, reason: "unterminated label set") }
                if line[i] == "}" { i = line.index(after: i); break }
                let keyStart = i
                while i < line.endIndex, line[i] != "=" { i = line.index(after: i) }
                guard i < line.endIndex else { throw ParseError(line: number, reason: "label without a value") }
                let key = line[keyStart..<i].trimmingCharacters(in: .whitespaces)
                i = line.index(after: i)
                guard i < line.endIndex, line[i] == "\"" else { throw ParseError(line: number, reason: "label value of \(key) is not quoted") }
                i = line.index(after: i)
                var value = ""
                var closed = false
                while i < line.endIndex {
                    let c = line[i]
                    i = line.index(after: i)
                    if c == "\"" { closed = true; break }
                    if c == "\\", i < line.endIndex {
                        let e = line[i]
                        i = line.index(after: i)
                        value.append(e == "n" ? "\n" : e)
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { throw ParseError(line: number, reason: "unterminated label value") }
                labels[key] = value
            }
        }
        let rest = line[i...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = rest.first, let value = parseValue(first) else {
            throw ParseError(line: number, reason: "no value for \(name)")
        }
        var timestamp: Int64? = nil
        if rest.count > 1 {
            guard let t = Int64(rest[1]) else { throw ParseError(line: number, reason: "bad timestamp \(rest[1])") }
            timestamp = t
        }
        return PrometheusSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
    }

    static func parseValue(_ s: Substring) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(s)
        }
    }
}
