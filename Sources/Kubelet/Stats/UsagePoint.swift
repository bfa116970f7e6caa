import Foundation

/// CPU and memory of one thing (node, pod, container) at one instant: the cumulative CPU counter, the
/// rate since the previous sample, and memory.
public struct UsagePoint: Sendable, Equatable {
    public var timestamp: Date
    public var cpuUsageCoreNanoseconds: UInt64
    /// CPU rate since the previous sample, in nanocores; nil on the first sample or after a counter reset.
    public var usageNanoCores: UInt64?
    public var memoryWorkingSetBytes: UInt64
    public var memoryUsageBytes: UInt64
    public var memoryRSSBytes: UInt64?

    public init(timestamp: Date, cpuUsageCoreNanoseconds: UInt64, usageNanoCores: UInt64? = nil,
                memoryWorkingSetBytes: UInt64, memoryUsageBytes: UInt64, memoryRSSBytes: UInt64? = nil) {
        self.timestamp = timestamp
        self.cpuUsageCoreNanoseconds = cpuUsageCoreNanoseconds
        self.usageNanoCores = usageNanoCores
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryRSSBytes = memoryRSSBytes
    }
}

/// A CPU rate from two readings of a cumulative counter (cAdvisor's `usageNanoCores`, metrics-server's
/// `usage.cpu`): the counter's growth over the time between them.
public enum CPURate {
    /// Nanocores between two (time, cumulative core-nanoseconds) readings; nil when time did not advance
    /// or the counter went backwards (the container restarted: its new counter starts at zero).
    public static func nanoCores(from previous: (time: Date, cumulative: UInt64), to current: (time: Date, cumulative: UInt64)) -> UInt64? {
        let seconds = current.time.timeIntervalSince(previous.time)
        guard seconds > 0, current.cumulative >= previous.cumulative else { return nil }
        return UInt64((Double(current.cumulative - previous.cumulative) / seconds).rounded())
    }
}
