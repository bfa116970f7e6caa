import Foundation

/// One stored key with the revisions that created and last modified it (etcd's `mvccpb.KeyValue`).
public struct KeyValue: Sendable, Equatable {
    public var key: String
    public var value: Data
    /// Revision of the write that created this key (reset when the key is deleted and created again).
    public var createRevision: Int64
    /// Revision of the last write to this key; for a delete event, the revision of the delete.
    public var modRevision: Int64

    public init(key: String, value: Data, createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// The answer to a range read.
public struct RangeResult: Sendable, Equatable {
    /// Keys in ascending byte order.
    public var items: [KeyValue]
    /// The revision the read was served at: the store's revision when none was asked for.
    public var revision: Int64
    /// True when keys beyond the last returned one match (the read was cut by `limit`).
    public var more: Bool
    /// How many matching keys there are in all at `revision` (including those returned), counted from
    /// the read's `startKey` on, as etcd counts a range that starts at a continue key: so
    /// `count - items.count` is the number of keys after this page (Kubernetes' `remainingItemCount`).
    public var count: Int

    public init(items: [KeyValue], revision: Int64, more: Bool, count: Int) {
        self.items = items
        self.revision = revision
        self.more = more
        self.count = count
    }
}

public struct WatchEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    /// For a put, the new value; for a delete, the last value the key had, with `modRevision` set to the
    /// delete's revision (so that a DELETED watch event carries the object and a fresh resourceVersion).
    public var kv: KeyValue
    /// The value before this event (nil when the put created the key).
    public var previous: KeyValue?

    public init(kind: Kind, kv: KeyValue, previous: KeyValue?) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }

    public var revision: Int64 { kv.modRevision }
}

public enum StorageError: Error, Equatable, Sendable {
    /// create on a key that exists.
    case keyExists(String)
    /// update or delete of a key that does not exist.
    case notFound(String)
    /// update or delete whose expected mod-revision is not the key's current one.
    case conflict(key: String, currentModRevision: Int64)
    /// a read or watch at a revision older than the compaction point.
    case compacted(requested: Int64, compactRevision: Int64)
    /// a read at a revision the store has not reached.
    case futureRevision(requested: Int64, current: Int64)
    /// a watcher fell too far behind and was dropped; it must re-list.
    case watcherTooSlow
    /// the backend failed (I/O, closed database, lost connection).
    case unavailable(String)
}

/// A revisioned key-value store with etcd's semantics, the only storage the API server knows.
///
/// Every successful write advances one global revision by exactly one and is durable (for persistent
/// backends) before the call returns. Reads can be served at any revision since the last compaction; a
/// watch replays every event after a given revision and then follows new ones, in revision order.
public protocol KeyValueStore: Sendable {
    /// The revision of the last write (0 for an empty, never-written store).
    func currentRevision() async throws -> Int64
    /// The oldest revision still readable (0 when never compacted).
    func compactedRevision() async throws -> Int64

    /// The key's value at `revision` (nil: current), or nil when absent at that revision.
    func get(_ key: String, revision: Int64?) async throws -> KeyValue?

    /// Keys starting with `prefix`, in ascending order, beginning at `startKey` (inclusive; nil: from the
    /// start of the prefix), at `revision` (nil: current), at most `limit` (nil or 0: all).
    func range(prefix: String, startKey: String?, revision: Int64?, limit: Int?) async throws -> RangeResult

    /// Creates the key; fails with `.keyExists` when it is present.
    @discardableResult
    func create(_ key: String, value: Data) async throws -> KeyValue

    /// Replaces the key's value. `expectedModRevision` (when given) must equal the key's current
    /// mod-revision, else `.conflict`. Fails with `.notFound` when absent.
    @discardableResult
    func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue

    /// Deletes the key, guarded like `update`. Returns the deleted value with `modRevision` set to the
    /// delete's revision.
    @discardableResult
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue

    /// Events for keys starting with `prefix` whose revision is greater than `afterRevision`, first those
    /// already in history, then new ones as they happen. Throws `.compacted` at once when
    /// `afterRevision` < the compaction point. The stream finishes with `.watcherTooSlow` when the
    /// consumer falls too far behind; cancelling the consuming task ends the watch.
    func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<WatchEvent, Error>

    /// Forgets history before `revision`: reads and watches below it then fail with `.compacted`.
    func compact(revision: Int64) async throws

    /// Releases the backend; further calls fail with `.unavailable`.
    func close() async
}
