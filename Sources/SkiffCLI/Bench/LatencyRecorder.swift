import Benchmarks
import Foundation
import Synchronization

/// Collects latencies from many tasks and reports percentiles.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[Double]>([])

    func record(_ seconds: Double) {
        samples.withLock { $0.append(seconds) }
    }

    var count: Int { samples.withLock { $0.count } }

    /// The p-th percentile in milliseconds (nearest rank).
    func percentile(_ p: Double) -> Double {
        nearestRankPercentile(samples.withLock { $0 }.sorted(), p).map { $0 * 1000 } ?? .nan
    }

    func summary() -> String {
        String(format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", percentile(50), percentile(99), percentile(100), count)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Resident memory of a process in MiB, from /proc.
func residentMiB(pid: Int32) -> Double {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return .nan }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
        return kb / 1024
    }
    return .nan
}

/// A counter shared by concurrent tasks.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// Adds one and returns the value before.
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
    var current: Int { value.load(ordering: .relaxed) }
}
