import Client
import Synchronization

/// Per-key exponential backoff for deleting failed daemon pods (upstream's `flowcontrol.Backoff` with
/// 1s initial and 15min maximum): a kubelet that keeps rejecting the pod must not make the controller
/// delete and recreate it in a hot loop.
final class FailedPodsBackoff: Sendable {
    struct Entry {
        var delay: Duration
        var lastUpdate: ContinuousClock.Instant
    }

    let initial: Duration
    let maximum: Duration
    let clock: any MonotonicClock
    let entries = Mutex<[String: Entry]>([:])

    init(initial: Duration = .seconds(1), maximum: Duration = .seconds(900), clock: any MonotonicClock = ContinuousClock()) {
        self.initial = initial
        self.maximum = maximum
        self.clock = clock
    }

    /// The current delay for `key` (zero when there is none).
    func delay(_ key: String) -> Duration { entries.withLock { $0[key]?.delay ?? .zero } }

    /// Still within the delay since the last `next` (upstream's `IsInBackOffSinceUpdate`).
    func isInBackoff(_ key: String) -> Bool {
        let now = clock.now
        return entries.withLock { e in
            guard let entry = e[key] else { return false }
            return now - entry.lastUpdate < entry.delay
        }
    }

    /// Starts or doubles the delay; an entry idle for twice the maximum starts over.
    func next(_ key: String) {
        let now = clock.now
        entries.withLock { e in
            if var entry = e[key], now - entry.lastUpdate <= maximum * 2 {
                entry.delay = min(entry.delay * 2, maximum)
                entry.lastUpdate = now
                e[key] = entry
            } else {
                e[key] = Entry(delay: initial, lastUpdate: now)
            }
        }
    }
}
