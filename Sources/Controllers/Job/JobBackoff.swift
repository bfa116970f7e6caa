import Foundation
import Synchronization

/// The delay before a Job creates pods again after failures (upstream's `backoffStore`): 10 s after the
/// first failure since the last success, doubling with each further one, capped at 6 minutes, counted
/// from when the last failed pod finished.
final class JobBackoff: Sendable {
    struct Record: Equatable, Sendable {
        var failuresAfterLastSuccess: Int = 0
        var lastFailureTime: Date?
    }

    static let initial: TimeInterval = 10
    static let maximum: TimeInterval = 360

    private let records = Mutex<[String: Record]>([:])

    func record(_ key: String) -> Record { records.withLock { $0[key] ?? Record() } }
    func update(_ key: String, _ record: Record) { records.withLock { $0[key] = record } }
    func remove(_ key: String) { _ = records.withLock { $0.removeValue(forKey: key) } }

    /// The record after this sync's newly finished pods (given by their finish times): a success resets
    /// the count to the failures that finished after it (upstream's `newBackoffRecord`).
    static func next(_ old: Record, succeeded: [Date], failed: [Date]) -> Record {
        let failed = failed.sorted(), succeeded = succeeded.sorted()
        if succeeded.isEmpty {
            guard let last = failed.last else { return old }
            return Record(failuresAfterLastSuccess: old.failuresAfterLastSuccess + failed.count, lastFailureTime: last)
        }
        var r = Record()
        let lastSuccess = succeeded.last!
        for t in failed.reversed() {
            guard t > lastSuccess else { break }
            if r.lastFailureTime == nil { r.lastFailureTime = t }
            r.failuresAfterLastSuccess += 1
        }
        return r
    }

    /// How long pod creation must still wait (0 when it may go now) — `getRemainingTimeForFailuresCount`.
    static func remaining(_ r: Record, now: Date, initial: TimeInterval = JobBackoff.initial, maximum: TimeInterval = JobBackoff.maximum) -> TimeInterval {
        guard r.failuresAfterLastSuccess > 0, let last = r.lastFailureTime else { return 0 }
        var delay = initial
        if r.failuresAfterLastSuccess > 1 {
            for _ in 1..<r.failuresAfterLastSuccess {
                delay *= 2
                if delay >= maximum { delay = maximum; break }
            }
        }
        let elapsed = now.timeIntervalSince(last)
        return delay < elapsed ? 0 : delay - elapsed
    }
}
