import Foundation
import Synchronization

/// Upstream's container restart back-off (`CrashLoopBackOff`): the first restart waits 10 s, each later one
/// twice as long up to 5 minutes, and a container that ran for 10 minutes without exiting starts over.
public final class RestartBackoff: Sendable {
    struct Entry { var delay: Duration; var until: ContinuousClock.Instant }
    private let entries = Mutex<[String: Entry]>([:])
    let initial: Duration
    let maximum: Duration

    public init(initial: Duration = .seconds(10), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// How long `key` must still wait before its next start, or nil when it may start now.
    public func remaining(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        entries.withLock { e in
            guard let entry = e[key], entry.until > now else { return nil }
            return entry.until - now
        }
    }

    /// The delay set by the last restart of `key`: what upstream's "back-off 20s restarting failed container" names.
    public func currentDelay(_ key: String) -> Duration? {
        entries.withLock { $0[key]?.delay }
    }

    /// Records a restart of `key` happening `now`, `ranFor` after its previous start: the next one waits
    /// twice as long as this one did (or the initial delay, after a long healthy run). Returns the wait set.
    @discardableResult
    public func recordRestart(_ key: String, ranFor: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        entries.withLock { e in
            var delay = initial
            if let previous = e[key], ranFor < maximum * 2 {
                delay = min(previous.delay * 2, maximum)
            }
            e[key] = Entry(delay: delay, until: now + delay)
            return delay
        }
    }

    /// Forgets every key with this prefix (a pod's containers, once the pod is gone).
    public func forget(prefix: String) {
        entries.withLock { e in e = e.filter { !$0.key.hasPrefix(prefix) } }
    }
}
