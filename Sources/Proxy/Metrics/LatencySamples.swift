import Synchronization

/// The most recent observations of one latency, kept in process for percentiles (Prometheus histograms
/// only give buckets): the per-sync log line and `skiff bench proxy` read these.
public final class LatencySamples: Sendable {
    private let state: Mutex<(values: [Double], next: Int, total: Int)>
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
        state = Mutex(([], 0, 0))
    }

    public func record(_ seconds: Double) {
        state.withLock { s in
            if s.values.count < capacity {
                s.values.append(seconds)
            } else {
                s.values[s.next] = seconds
                s.next = (s.next + 1) % capacity
            }
            s.total += 1
        }
    }

    /// Observations ever recorded (not only the kept ones).
    public var total: Int { state.withLock { $0.total } }

    public func reset() { state.withLock { $0 = ([], 0, 0) } }

    /// The nearest-rank `p`th percentile (0–100) of the kept observations, in seconds; nil when empty.
    public func percentile(_ p: Double) -> Double? {
        let sorted = state.withLock { $0.values }.sorted()
        guard !sorted.isEmpty else { return nil }
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    /// `p50 12.3 ms p99 45.6 ms max 78.9 ms (n=100)`.
    public var summary: String {
        func ms(_ p: Double) -> String { percentile(p).map { String(format: "%.1f ms", $0 * 1000) } ?? "-" }
        return "p50 \(ms(50)) p99 \(ms(99)) max \(ms(100)) (n=\(total))"
    }
}
