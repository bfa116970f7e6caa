import Foundation
import Synchronization

/// The in-memory MVCC engine: etcd's semantics (one global revision, guarded writes, reads at past
/// revisions, watches from a revision, compaction) over a sorted key list, per-key version histories
/// and an event log, all behind one lock.
///
/// Used alone it is the test and single-process backend (nothing survives the process). `SQLiteStore`
/// uses it as its read and watch cache: it persists each write first and then applies it here.
public final class MemoryStore: KeyValueStore, Sendable {
    /// How many events a watcher may leave unconsumed (beyond its initial replay) before it is dropped
    /// with `.watcherTooSlow`.
    public static let defaultMaxWatcherBacklog = 10_000

    struct State: Sendable {
        var index: MVCCIndex
        var watchers = WatcherSet()
        var closed = false

        func checkOpen() throws(StorageError) {
            if closed { throw .unavailable("the store is closed") }
        }
    }

    private let state: Mutex<State>
    private let maxWatcherBacklog: Int

    /// - Parameter maxWatcherBacklog: see `defaultMaxWatcherBacklog`; at least 1.
    public init(maxWatcherBacklog: Int = MemoryStore.defaultMaxWatcherBacklog) {
        self.state = Mutex(State(index: MVCCIndex()))
        self.maxWatcherBacklog = max(1, maxWatcherBacklog)
    }

    init(restoring index: MVCCIndex, maxWatcherBacklog: Int) {
        self.state = Mutex(State(index: index))
        self.maxWatcherBacklog = max(1, maxWatcherBacklog)
    }

    /// How many watches are registered (for tests and metrics).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    // MARK: Reads

    public func currentRevision() async throws -> Int64 {
        try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            return state.index.revision
        }
    }

    public func compactedRevision() async throws -> Int64 {
        try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            return state.index.compactRevision
        }
    }

    public func get(_ key: String, revision: Int64?) async throws -> KeyValue? {
        let key = ByteKey(key)
        return try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            return state.index.get(key, at: try state.index.readRevision(revision))
        }
    }

    public func range(prefix: String, startKey: String?, revision: Int64?, limit: Int?) async throws -> RangeResult {
        let prefix = ByteKey(prefix), startKey = startKey.map(ByteKey.init)
        return try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            let at = try state.index.readRevision(revision)
            return state.index.range(prefix: prefix, startKey: startKey, at: at, limit: limit)
        }
    }

    // MARK: Writes

    @discardableResult
    public func create(_ key: String, value: Data) async throws -> KeyValue {
        try write(.create(key: key, value: value))
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try write(.update(key: key, value: value, expectedModRevision: expectedModRevision))
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try write(.delete(key: key, expectedModRevision: expectedModRevision))
    }

    private func write(_ operation: WriteOperation) throws -> KeyValue {
        let (result, endings) = state.withLock { state -> (Result<WatchEvent, StorageError>, [WatcherSet.Ending]) in
            if state.closed { return (.failure(.unavailable("the store is closed")), []) }
            let result = state.index.plan([operation])[0]
            guard case .success(let event) = result else { return (result, []) }
            return (result, Self.apply([event], to: &state))
        }
        endings.forEach { $0.finish() }
        return try result.get().kv
    }

    // MARK: Hooks for a persistent backend

    /// Checks `operations` against the current state without applying them (see `MVCCIndex.plan`).
    /// The caller must serialise plan → persist → `apply`, so the state cannot change in between.
    func plan(_ operations: [WriteOperation]) throws(StorageError) -> [Result<WatchEvent, StorageError>] {
        try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            return state.index.plan(operations)
        }
    }

    /// Applies events planned by `plan` (and persisted) and sends them to the watchers.
    func apply(_ events: [WatchEvent]) {
        guard !events.isEmpty else { return }
        let endings = state.withLock { state in Self.apply(events, to: &state) }
        endings.forEach { $0.finish() }
    }

    private static func apply(_ events: [WatchEvent], to state: inout State) -> [WatcherSet.Ending] {
        var endings: [WatcherSet.Ending] = []
        for event in events {
            state.index.apply(event)
            endings += state.watchers.deliver(event)
        }
        return endings
    }

    // MARK: Watch

    public func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        let prefixKey = ByteKey(prefix)
        let after = max(0, afterRevision)
        let backlog = maxWatcherBacklog
        return try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            let compactRevision = state.index.compactRevision
            if after < compactRevision { throw .compacted(requested: afterRevision, compactRevision: compactRevision) }
            // Replay and registration happen under the lock, so the next write is delivered exactly once.
            let replay = state.index.events(after: after, prefix: prefixKey)
            let (stream, continuation) = AsyncThrowingStream.makeStream(
                of: WatchEvent.self, throwing: Error.self,
                bufferingPolicy: .bufferingOldest(replay.count + backlog))
            for event in replay { continuation.yield(event) }
            let id = state.watchers.add(.init(prefix: prefixKey, afterRevision: after, continuation: continuation))
            continuation.onTermination = { [weak self] _ in self?.removeWatcher(id) }
            return stream
        }
    }

    private func removeWatcher(_ id: Int) {
        state.withLock { $0.watchers.remove(id) }
    }

    // MARK: Compaction and closing

    public func compact(revision: Int64) async throws {
        try compactNow(revision)
    }

    /// Compacts synchronously (for a persistent backend that has just persisted the compaction).
    func compactNow(_ revision: Int64) throws(StorageError) {
        try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            try state.index.compact(to: revision)
        }
    }

    /// Checks that compacting at `revision` is allowed; returns false when it is a no-op.
    func checkCompaction(_ revision: Int64) throws(StorageError) -> Bool {
        try state.withLock { state throws(StorageError) in
            try state.checkOpen()
            return try state.index.checkCompaction(to: revision)
        }
    }

    /// Rejects further calls and ends every watch with `.unavailable`.
    public func close() async {
        closeNow()
    }

    func closeNow() {
        let endings = state.withLock { state -> [WatcherSet.Ending] in
            state.closed = true
            return state.watchers.removeAll(error: .unavailable("the store is closed"))
        }
        endings.forEach { $0.finish() }
    }
}
