import Storage

/// Watches: one `EtcdWatcher` (an etcd Watch stream, resumed across members) per watch, and the wait that makes a
/// write return only once the watches it concerns have it.
extension EtcdStore {
    public func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        try checkOpen()
        let after = max(0, afterRevision)
        // Where history stands now (events up to it are replay), and whether `after` was compacted away: etcd
        // would still replay from one revision earlier than the store's contract allows, so the store decides.
        var replayThrough = after
        do {
            replayThrough = max(after, EtcdRevisions.store(try await rangeCall(Self.probe(revision: EtcdRevisions.etcd(after))).header.revision))
        } catch StorageError.futureRevision {
            // Watching from the future: nothing to replay.
        } catch StorageError.compacted(_, let compactRevision) {
            throw StorageError.compacted(requested: afterRevision, compactRevision: compactRevision)
        }
        let buffer = EtcdWatchBuffer(afterRevision: after, replayThrough: replayThrough, maxBacklog: maxWatcherBacklog)
        let watcher = try state.withLock { state throws(StorageError) -> EtcdWatcher in
            guard !state.closed else { throw .unavailable("the store is closed") }
            state.nextWatcherID += 1
            let watcher = EtcdWatcher(id: state.nextWatcherID, prefix: prefix, afterRevision: after, buffer: buffer, store: self)
            state.watchers[watcher.id] = watcher
            return watcher
        }
        watcher.start()
        do {
            try await buffer.waitUntilSetUp()
        } catch {
            watcher.stop()
            removeWatcher(watcher.id)
            throw error
        }
        let handle = EtcdWatchHandle(watcher: watcher, store: self)
        return AsyncThrowingStream {
            try await withTaskCancellationHandler {
                try await handle.next()
            } onCancel: {
                handle.end()
            }
        }
    }

    func removeWatcher(_ id: Int) {
        state.withLock { _ = $0.watchers.removeValue(forKey: id) }
    }

    /// Waits until every watch this write concerns has buffered it (see the type's documentation), for at most
    /// `watcherPatience`: a watch whose stream stalls without breaking does not hold writes up for longer (its
    /// event still comes, only after the write returned).
    func waitForWatchers(key: String, revision: Int64) async {
        let concerned = state.withLock { state in
            state.watchers.values.filter { $0.concerns(key: key, revision: revision) }
        }
        guard !concerned.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for watcher in concerned { await watcher.buffer.waitUntilDelivered(revision) }
            }
            group.addTask {
                try? await Task.sleep(for: Self.watcherPatience)
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// How long a write waits for this store's watches to buffer it.
    static let watcherPatience = Duration.seconds(5)
}
