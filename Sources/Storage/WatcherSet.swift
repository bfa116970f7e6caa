import Foundation

/// The live watches of a store and the fan-out of new events to them.
///
/// It lives inside the store's lock together with the `MVCCIndex`, so registering a watcher (after
/// replaying history into it) and delivering a write happen in one order: no event is missed or
/// delivered twice when a write races with a new watch.
///
/// Continuations are never finished here: finishing runs the stream's `onTermination` handler, which
/// takes the store's lock to remove the watcher. Methods return the continuations to finish, and the
/// store finishes them after releasing its lock.
struct WatcherSet: Sendable {
    typealias Continuation = AsyncThrowingStream<WatchEvent, Error>.Continuation

    struct Watcher: Sendable {
        var prefix: ByteKey
        /// Only events after this revision are sent (a watch may start in the future).
        var afterRevision: Int64
        var continuation: Continuation
    }

    /// A continuation to finish once the lock is released, with the error to end it (nil: normally).
    struct Ending: Sendable {
        var continuation: Continuation
        var error: StorageError?

        func finish() {
            if let error { continuation.finish(throwing: error) } else { continuation.finish() }
        }
    }

    private var watchers: [Int: Watcher] = [:]
    private var nextID = 0

    var count: Int { watchers.count }

    mutating func add(_ watcher: Watcher) -> Int {
        nextID += 1
        watchers[nextID] = watcher
        return nextID
    }

    /// Forgets a watcher whose stream has ended; the continuation it held is not finished again.
    mutating func remove(_ id: Int) {
        watchers[id] = nil
    }

    /// Sends `event` to every watcher it concerns. A watcher whose buffer is full is removed and
    /// returned, to be finished with `.watcherTooSlow` (it keeps every event buffered so far, so its
    /// consumer sees a gap-free prefix and then the error).
    mutating func deliver(_ event: WatchEvent) -> [Ending] {
        guard !watchers.isEmpty else { return [] }
        let key = ByteKey(event.kv.key)
        var endings: [Ending] = []
        for (id, watcher) in watchers where event.revision > watcher.afterRevision && key.hasPrefix(watcher.prefix) {
            switch watcher.continuation.yield(event) {
            case .enqueued: break
            case .dropped:
                watchers[id] = nil
                endings.append(Ending(continuation: watcher.continuation, error: .watcherTooSlow))
            case .terminated:
                watchers[id] = nil
            @unknown default:
                watchers[id] = nil
            }
        }
        return endings
    }

    /// Removes every watcher, to be finished with `error`.
    mutating func removeAll(error: StorageError?) -> [Ending] {
        let endings = watchers.values.map { Ending(continuation: $0.continuation, error: error) }
        watchers.removeAll()
        return endings
    }
}
