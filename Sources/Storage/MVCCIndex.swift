import Foundation

/// The multi-version data of a store, without locking or watchers: a sorted key list for range reads,
/// every key's versions since the compaction point for reads in the past, and the event log since the
/// compaction point for watches.
///
/// Keys stay in the sorted list while any version of them is retained (also after a delete), because
/// a range at an older revision must still see them.
struct MVCCIndex: Sendable {
    /// The revision of the last write.
    private(set) var revision: Int64 = 0
    /// The oldest readable revision; every event after it is in `events`.
    private(set) var compactRevision: Int64 = 0
    /// Every key with retained history, ascending byte order.
    private(set) var keys: [ByteKey] = []
    private(set) var histories: [ByteKey: KeyHistory] = [:]
    /// One event per revision in `compactRevision+1 ... revision`, ascending.
    private(set) var events: [WatchEvent] = []

    init() {}

    // MARK: Reads

    /// Turns a requested read revision into the one to serve (etcd: nil or ≤ 0 means current).
    func readRevision(_ requested: Int64?) throws(StorageError) -> Int64 {
        guard let requested, requested > 0 else { return revision }
        if requested > revision { throw .futureRevision(requested: requested, current: revision) }
        if requested < compactRevision { throw .compacted(requested: requested, compactRevision: compactRevision) }
        return requested
    }

    func latestVersion(of key: ByteKey) -> KeyVersion? {
        histories[key]?.latest
    }

    func get(_ key: ByteKey, at revision: Int64) -> KeyValue? {
        histories[key]?.live(at: revision)?.keyValue(key.string)
    }

    /// Keys with `prefix`, from `startKey` on, live at `revision`. `count` counts every such key from
    /// `startKey` on (as etcd counts a range request starting at the continue key), so
    /// `count - items.count` is the number of keys left after this page.
    func range(prefix: ByteKey, startKey: ByteKey?, at revision: Int64, limit: Int?) -> RangeResult {
        let start = startKey.map { $0 > prefix ? $0 : prefix } ?? prefix
        let cap = (limit ?? 0) > 0 ? limit! : Int.max
        var items: [KeyValue] = []
        var count = 0
        var index = lowerBound(start)
        while index < keys.count, keys[index].hasPrefix(prefix) {
            let key = keys[index]
            if let version = histories[key]?.live(at: revision) {
                count += 1
                if items.count < cap { items.append(version.keyValue(key.string)) }
            }
            index += 1
        }
        return RangeResult(items: items, revision: revision, more: count > items.count, count: count)
    }

    /// Events after `revision` (which must be ≥ `compactRevision`) for keys with `prefix`.
    func events(after revision: Int64, prefix: ByteKey) -> [WatchEvent] {
        // Every revision since the compaction point has exactly one event, so the position is arithmetic.
        let first = max(0, Int(revision - compactRevision))
        guard first < events.count else { return [] }
        if prefix.string.isEmpty { return Array(events[first...]) }
        return events[first...].filter { ByteKey($0.kv.key).hasPrefix(prefix) }
    }

    /// Index of the first key ≥ `key`.
    func lowerBound(_ key: ByteKey) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Writes

    /// Checks `operations` in order, each against the state left by the ones before it, giving the
    /// successful ones consecutive revisions from `revision + 1`. Applies nothing.
    func plan(_ operations: [WriteOperation]) -> [Result<WatchEvent, StorageError>] {
        var overlay: [ByteKey: KeyVersion] = [:]
        var next = revision
        return operations.map { operation in
            let key = ByteKey(operation.key)
            let latest = overlay[key] ?? latestVersion(of: key)
            let result = operation.plan(latest: latest, revision: next + 1)
            if case .success(let event) = result {
                next += 1
                overlay[key] = event.resultingVersion
            }
            return result
        }
    }

    /// Records a planned event; its revision must be the next one.
    mutating func apply(_ event: WatchEvent) {
        precondition(event.revision == revision + 1, "events must be applied in revision order without gaps")
        let key = ByteKey(event.kv.key)
        if histories[key] == nil {
            keys.insert(key, at: lowerBound(key))
        }
        histories[key, default: KeyHistory()].versions.append(event.resultingVersion)
        events.append(event)
        revision = event.revision
    }

    /// The rules of `compact`: throws when compacting at `target` is not allowed, returns false when
    /// it would change nothing.
    func checkCompaction(to target: Int64) throws(StorageError) -> Bool {
        if target > revision { throw .futureRevision(requested: target, current: revision) }
        if target < compactRevision { throw .compacted(requested: target, compactRevision: compactRevision) }
        return target > compactRevision
    }

    /// Forgets history before `target`. Compacting at the current compaction point is a no-op;
    /// compacting below it throws `.compacted` (as etcd does), above the current revision `.futureRevision`.
    mutating func compact(to target: Int64) throws(StorageError) {
        guard try checkCompaction(to: target) else { return }
        var emptied = false
        for key in keys {
            if histories[key]?.compact(at: target) == false {
                histories[key] = nil
                emptied = true
            }
        }
        if emptied { keys.removeAll { histories[$0] == nil } }
        events.removeFirst(Int(target - compactRevision))
        compactRevision = target
    }

    // MARK: Restoring

    /// Rebuilds an index from a persisted log read in ascending revision order: versions at or before
    /// `compactRevision` (the survivors of compaction, at most one live version per key) become the
    /// base state; later ones are replayed as events. The restored revision is the last record's, or
    /// the compaction point when compaction removed every later-or-equal record (a delete at the
    /// compaction point leaves no row, yet its revision was used).
    static func restore(
        compactRevision: Int64, records: some Sequence<LogRecord>
    ) throws(StorageError) -> MVCCIndex {
        var index = MVCCIndex()
        index.revision = compactRevision
        index.compactRevision = compactRevision
        var unsortedKeys: [ByteKey] = []
        for record in records {
            let key = ByteKey(record.key)
            if record.revision <= compactRevision {
                // Base state: only live versions matter (a tombstone here reads as absent anyway).
                guard !record.deleted else { continue }
                if index.histories[key] == nil { unsortedKeys.append(key) }
                index.histories[key, default: KeyHistory()].versions.append(
                    KeyVersion(modRevision: record.revision, createRevision: record.createRevision,
                               value: record.value, isTombstone: false))
                continue
            }
            guard record.revision == index.revision + 1 else {
                throw .unavailable("storage log has a gap: revision \(record.revision) follows \(index.revision)")
            }
            let operation: WriteOperation = record.deleted
                ? .delete(key: record.key, expectedModRevision: nil)
                : (index.histories[key]?.latest.map { !$0.isTombstone } ?? false)
                    ? .update(key: record.key, value: record.value, expectedModRevision: nil)
                    : .create(key: record.key, value: record.value)
            switch operation.plan(latest: index.latestVersion(of: key), revision: record.revision) {
            case .success(let event):
                if index.histories[key] == nil { unsortedKeys.append(key) }
                index.histories[key, default: KeyHistory()].versions.append(event.resultingVersion)
                index.events.append(event)
                index.revision = record.revision
            case .failure(let error):
                throw .unavailable("storage log is inconsistent at revision \(record.revision): \(error)")
            }
        }
        index.keys = unsortedKeys.sorted()
        return index
    }
}

/// One row of a persisted write log, in the shape `MVCCIndex.restore` needs.
struct LogRecord: Sendable {
    var revision: Int64
    var key: String
    var value: Data
    var createRevision: Int64
    var deleted: Bool
}
