import Foundation

/// `/metrics/resource`: the kubelet's resource metrics in the Prometheus text format, with upstream's
/// names, help texts and labels (pkg/kubelet/metrics/collectors/resource_metrics.go). Each sample
/// carries the time it was measured (milliseconds), as upstream's collector does with
/// `NewMetricWithTimestamp`, so metrics-server's rate uses the measurement times, not the scrape's.
///
/// Written here rather than through swift-prometheus: its registry exposes the current value of
/// long-lived counters and gauges, while these are per-scrape readings with their own timestamps and a
/// label set that changes with every pod — a custom collector in upstream's terms, which the library
/// has no hook for.
public enum ResourceMetricsText {
    public static func render(_ s: NodeStatsSnapshot) -> String {
        var out = ""
        func header(_ name: String, _ help: String, _ type: String) {
            out += "# HELP \(name) [STABLE] \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Double, _ time: Date?) {
            let l = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
            out += "\(name)\(l) \(format(value))"
            if let time { out += " \(Int64((time.timeIntervalSince1970 * 1000).rounded()))" }
            out += "\n"
        }
        func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }
        let containers = s.pods.flatMap { p in p.containers.map { (p, $0) } }
        func containerLabels(_ p: NodeStatsSnapshot.Pod, _ c: NodeStatsSnapshot.Container) -> [(String, String)] {
            [("container", c.name), ("namespace", p.namespace), ("pod", p.name)]
        }

        header("container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", "counter")
        for (p, c) in containers { sample("container_cpu_usage_seconds_total", containerLabels(p, c), seconds(c.usage.cpuUsageCoreNanoseconds), c.usage.timestamp) }
        header("container_memory_working_set_bytes", "Current working set of the container in bytes", "gauge")
        for (p, c) in containers { sample("container_memory_working_set_bytes", containerLabels(p, c), Double(c.usage.memoryWorkingSetBytes), c.usage.timestamp) }
        header("container_start_time_seconds", "Start time of the container since unix epoch in seconds", "gauge")
        for (p, c) in containers { sample("container_start_time_seconds", containerLabels(p, c), c.startTime.timeIntervalSince1970, c.startTime) }
        header("node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", "counter")
        sample("node_cpu_usage_seconds_total", [], seconds(s.node.cpuUsageCoreNanoseconds), s.node.timestamp)
        header("node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge")
        sample("node_memory_working_set_bytes", [], Double(s.node.memoryWorkingSetBytes), s.node.timestamp)
        header("pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", "counter")
        for p in s.pods { sample("pod_cpu_usage_seconds_total", [("namespace", p.namespace), ("pod", p.name)], seconds(p.usage.cpuUsageCoreNanoseconds), p.usage.timestamp) }
        header("pod_memory_working_set_bytes", "Current working set of the pod in bytes", "gauge")
        for p in s.pods { sample("pod_memory_working_set_bytes", [("namespace", p.namespace), ("pod", p.name)], Double(p.usage.memoryWorkingSetBytes), p.usage.timestamp) }
        header("scrape_error", "1 if there was an error while getting container metrics, 0 otherwise", "gauge")
        sample("scrape_error", [], s.scrapeError ? 1 : 0, nil)
        return out
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, as the Prometheus client writes values: the shortest
    /// digits that round-trip, in exponent form when the exponent is below -4 or at least 6.
    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        if !v.isFinite { return v.isNaN ? "NaN" : (v > 0 ? "+Inf" : "-Inf") }
        let (digits, dp) = shortestDigits(abs(v))
        let sign = v < 0 ? "-" : ""
        let exp = dp - 1
        if exp < -4 || exp >= 6 {
            var m = String(digits.first!)
            if digits.count > 1 { m += "." + digits.dropFirst() }
            let e = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
            return "\(sign)\(m)e\(exp < 0 ? "-" : "+")\(e)"
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if digits.count <= dp { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        let i = digits.index(digits.startIndex, offsetBy: dp)
        return sign + digits[..<i] + "." + digits[i...]
    }

    /// The shortest round-tripping decimal digits of a positive finite value (Swift's `description`
    /// finds them) and the position of the decimal point: value = 0.DIGITS × 10^dp.
    static func shortestDigits(_ v: Double) -> (String, Int) {
        let text = "\(v)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...].replacingOccurrences(of: "+", with: "")) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), frac = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + frac
        var dp = intPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); dp -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, dp)
    }

    /// Label values escape backslash, quote and newline.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
