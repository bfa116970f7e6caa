import Foundation
import GRDB
import Synchronization

/// The durable backend: every write is committed to an SQLite write-ahead log before it is
/// acknowledged, and served from an in-memory `MemoryStore` rebuilt from that log on open.
///
/// Writes go to SQLite first, then to memory, then to watchers, one batch at a time on GRDB's serial
/// writer: revisions stay gap-free and monotonic, also across restarts (they are the log's row ids).
/// Concurrent writes are grouped into one transaction (group commit), each still checked in order
/// against the writes before it, so a failed check in a batch costs no revision and fails alone.
///
/// Durability: the database runs in WAL mode with `synchronous=NORMAL`. A commit then writes its pages
/// to the WAL file (into the OS page cache) before returning, but does not fsync; the WAL is fsynced
/// at checkpoints. Skiff's requirement is to survive the process dying (`kill -9`, a crash): the
/// kernel still holds and later writes every committed page, so nothing acknowledged is lost. A power
/// loss or kernel panic may lose the last transactions (the file stays consistent, never corrupt);
/// `synchronous=FULL` would cover that at several times the cost per commit.
///
/// One process at a time may write a database: the memory state is the source of truth for checks, so
/// two writing stores on one file would answer from diverging states (their conflicting revisions are
/// then refused by the log's primary key and reported as `.unavailable`). Opening a second store to
/// read what a dead (or still open) one committed is fine.
public final class SQLiteStore: KeyValueStore, Sendable {
    public let path: String
    private let database: DatabasePool
    private let memory: MemoryStore
    private let queue = Mutex(CommitQueue())

    private typealias PendingWrite = (operation: WriteOperation, continuation: CheckedContinuation<KeyValue, Error>)

    /// Writes waiting for the next group commit.
    private struct CommitQueue {
        var pending: [PendingWrite] = []
        /// A task is draining `pending`; new writes just join the queue.
        var draining = false
        var closed = false
        /// `close()` calls waiting for the draining task to finish.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Opens (creating it and its folder when missing) the database at `path` and loads it. The folder is
    /// made mode 0700 and the database files 0600 (see `PrivateFiles`).
    public init(path: String, maxWatcherBacklog: Int = MemoryStore.defaultMaxWatcherBacklog) throws {
        self.path = path
        try PrivateFiles.prepare(databasePath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL is DatabasePool's own mode; NORMAL is what makes commits cheap (see the type's doc).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Every read is served from memory (`MemoryStore`); SQLite's page cache only helps the writer
            // append to the log, so it is kept to 512 KiB instead of the default 2 MiB per connection.
            try db.execute(sql: "PRAGMA cache_size = -512")
        }
        let database = try DatabasePool(path: path, configuration: configuration)
        try SQLiteLog.migrator().migrate(database)
        let index = try database.read { db in
            try MVCCIndex.restore(compactRevision: SQLiteLog.compactRevision(in: db), records: SQLiteLog.records(in: db))
        }
        // The reader that loaded the log is never needed again: closing it returns its page cache.
        database.releaseMemory()
        self.database = database
        self.memory = MemoryStore(restoring: index, maxWatcherBacklog: maxWatcherBacklog)
    }

    /// How many watches are registered (for tests and metrics).
    public var watcherCount: Int { memory.watcherCount }

    // MARK: Reads and watches, served from memory

    public func currentRevision() async throws -> Int64 { try await memory.currentRevision() }
    public func compactedRevision() async throws -> Int64 { try await memory.compactedRevision() }

    public func get(_ key: String, revision: Int64?) async throws -> KeyValue? {
        try await memory.get(key, revision: revision)
    }

    public func range(prefix: String, startKey: String?, revision: Int64?, limit: Int?) async throws -> RangeResult {
        try await memory.range(prefix: prefix, startKey: startKey, revision: revision, limit: limit)
    }

    public func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        try await memory.watch(prefix: prefix, afterRevision: afterRevision)
    }

    // MARK: Writes

    @discardableResult
    public func create(_ key: String, value: Data) async throws -> KeyValue {
        try await submit(.create(key: key, value: value))
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try await submit(.update(key: key, value: value, expectedModRevision: expectedModRevision))
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try await submit(.delete(key: key, expectedModRevision: expectedModRevision))
    }

    /// Queues the write and waits for the commit that includes it. Once queued, a write is carried out
    /// even if the caller's task is cancelled (like a request already sent to etcd).
    private func submit(_ operation: WriteOperation) async throws -> KeyValue {
        try await withCheckedThrowingContinuation { continuation in
            let startDraining = queue.withLock { queue -> Bool? in
                if queue.closed { return nil }
                queue.pending.append((operation, continuation))
                if queue.draining { return false }
                queue.draining = true
                return true
            }
            switch startDraining {
            case nil: continuation.resume(throwing: StorageError.unavailable("the store is closed"))
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
    }

    /// Commits queued writes, batch after batch, until none is left.
    private func drain() async {
        while true {
            let (batch, waiters) = queue.withLock { queue -> ([PendingWrite], [CheckedContinuation<Void, Never>]) in
                let batch = queue.pending
                queue.pending = []
                guard batch.isEmpty else { return (batch, []) }
                queue.draining = false
                defer { queue.drainWaiters = [] }
                return (batch, queue.drainWaiters)
            }
            if batch.isEmpty {
                waiters.forEach { $0.resume() }
                return
            }
            await commit(batch)
        }
    }

    /// One group commit: check every write against memory (and the batch's earlier writes), append the
    /// successful ones in one transaction, and only after the commit returned apply them to memory and
    /// answer the callers.
    private func commit(_ batch: [PendingWrite]) async {
        let operations = batch.map(\.operation)
        let memory = self.memory
        do {
            let results = try await database.writeWithoutTransaction { db in
                let planned = try memory.plan(operations)
                let events = planned.compactMap { try? $0.get() }
                if !events.isEmpty {
                    try db.inTransaction(.immediate) {
                        try SQLiteLog.append(events, in: db)
                        return .commit
                    }
                    memory.apply(events)
                }
                return planned
            }
            for (entry, result) in zip(batch, results) {
                entry.continuation.resume(with: result.map(\.kv).mapError { $0 as Error })
            }
        } catch {
            let failure = Self.storageError(error)
            for entry in batch { entry.continuation.resume(throwing: failure) }
        }
    }

    // MARK: Compaction and closing

    /// Deletes the log rows older than `revision` that no read at or after it needs, then forgets the
    /// same history in memory. Serialised with the writes on the database writer.
    public func compact(revision: Int64) async throws {
        let memory = self.memory
        do {
            try await database.writeWithoutTransaction { db in
                guard try memory.checkCompaction(revision) else { return }
                try db.inTransaction(.immediate) {
                    try SQLiteLog.compact(to: revision, in: db)
                    return .commit
                }
                try memory.compactNow(revision)
            }
        } catch {
            throw Self.storageError(error)
        }
    }

    /// Waits for queued writes, ends every watch with `.unavailable` and closes the database.
    public func close() async {
        // Writes already queued are still committed by the draining task; wait for it to run dry.
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let draining = queue.withLock { queue in
                queue.closed = true
                if queue.draining { queue.drainWaiters.append(waiter) }
                return queue.draining
            }
            if !draining { waiter.resume() }
        }
        // Compactions run on the writer outside the queue: this empty write waits for one in flight.
        _ = try? await database.writeWithoutTransaction { _ in }
        memory.closeNow()
        try? database.close()
    }

    private static func storageError(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        return .unavailable(String(describing: error))
    }
}
