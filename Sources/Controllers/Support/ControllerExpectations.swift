import Client
import Foundation
import Synchronization

/// What a controller is still waiting to see in its informer after its own writes (upstream's
/// `UIDTrackingControllerExpectations`).
///
/// A ReplicaSet that has just created three pods must not create three more because its pod cache has
/// not caught up yet. Before writing, the controller records how many creations (and which deletions)
/// it expects; the pod event handlers lower the counts as the informer reports them; `satisfied` gates
/// the next round of creates/deletes until then. Expectations older than `ttl` are considered satisfied
/// so that a lost event can only delay, never wedge, a controller.
final class ControllerExpectations: Sendable {
    struct Record {
        var add: Int
        var del: Int
        var timestamp: ContinuousClock.Instant
        /// Keys (namespace/name) of pods whose deletion is expected, so a deletion seen twice (a
        /// deletionTimestamp update, then the delete) is counted once.
        var deleting: Set<String>
    }

    let ttl: Duration
    /// What expectations age by (tests pass a `ManualClock`).
    let clock: any MonotonicClock
    let records = Mutex<[String: Record]>([:])

    init(ttl: Duration = .seconds(300), clock: any MonotonicClock = ContinuousClock()) {
        self.ttl = ttl
        self.clock = clock
    }

    /// True when nothing is expected for `key` any more (or the expectations expired or never existed).
    func satisfied(_ key: String) -> Bool {
        records.withLock { r in
            guard let rec = r[key] else { return true }
            if rec.add <= 0 && rec.del <= 0 { return true }
            return clock.now - rec.timestamp > ttl
        }
    }

    func expectCreations(_ key: String, _ count: Int) {
        let now = clock.now
        records.withLock { $0[key] = Record(add: count, del: 0, timestamp: now, deleting: []) }
    }

    func expectDeletions(_ key: String, podKeys: [String]) {
        let now = clock.now
        records.withLock { $0[key] = Record(add: 0, del: podKeys.count, timestamp: now, deleting: Set(podKeys)) }
    }

    /// Creations and deletions at once (upstream's `SetExpectations`, as the DaemonSet controller uses it).
    func expect(_ key: String, creations: Int, deletions podKeys: [String]) {
        let now = clock.now
        records.withLock { $0[key] = Record(add: creations, del: podKeys.count, timestamp: now, deleting: Set(podKeys)) }
    }

    func creationObserved(_ key: String) {
        records.withLock { r in
            guard var rec = r[key] else { return }
            rec.add -= 1
            r[key] = rec
        }
    }

    func deletionObserved(_ key: String, podKey: String) {
        records.withLock { r in
            guard var rec = r[key], rec.deleting.remove(podKey) != nil else { return }
            rec.del -= 1
            r[key] = rec
        }
    }

    func delete(_ key: String) {
        _ = records.withLock { $0.removeValue(forKey: key) }
    }

    /// The outstanding (creations, deletions) for `key`; for tests and logs.
    func pending(_ key: String) -> (add: Int, del: Int)? {
        records.withLock { r in r[key].map { ($0.add, $0.del) } }
    }
}
