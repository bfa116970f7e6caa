import Foundation

/// CPU (a rate) and memory of one node or container over a window: what NodeMetrics and PodMetrics say.
struct MetricsUsage: Sendable, Equatable {
    /// The end of the window (the later reading's time).
    var timestamp: Date
    var window: TimeInterval
    var nanoCores: Int64
    var memoryBytes: Int64

    /// metrics-server's `resourceUsage`: the CPU counter's growth between two readings over the time
    /// between them; memory is the later reading's. nil when time did not advance or the counter went
    /// backwards (a restart: wait for the next pair).
    static func between(_ previous: MetricsPoint, _ last: MetricsPoint) -> MetricsUsage? {
        let window = last.timestamp.timeIntervalSince(previous.timestamp)
        guard window > 0, last.cpuSeconds >= previous.cpuSeconds else { return nil }
        let nanoCores = ((last.cpuSeconds - previous.cpuSeconds) / window * 1e9).rounded()
        return MetricsUsage(timestamp: last.timestamp, window: window, nanoCores: Int64(nanoCores), memoryBytes: last.memoryWorkingSetBytes)
    }

    /// A container that started after the previous scrape (or before the first one) has no earlier
    /// reading of its own: its counter began at zero when it started, which is its previous reading
    /// (metrics-server does the same for containers newer than the last scrape).
    static func sinceStart(_ last: MetricsPoint) -> MetricsUsage? {
        guard let start = last.startTime else { return nil }
        return between(MetricsPoint(timestamp: start, cpuSeconds: 0, memoryWorkingSetBytes: 0), last)
    }
}
