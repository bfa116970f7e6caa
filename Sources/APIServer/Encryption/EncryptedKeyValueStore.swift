import Foundation
import Storage

/// A store that knows whether a key's stored value was written by other than today's writer (an old key,
/// or before encryption was turned on), so an unchanged update still rewrites it. Upstream's
/// `GuaranteedUpdate` writes when the transformer reports the value stale; `kubectl replace` of every
/// Secret after a key rotation relies on it.
protocol StaleValueReporting: Sendable {
    func isStale(_ key: String) async throws -> Bool
}

/// The API server's store with encryption at rest (upstream's transformer in the etcd3 store): values of
/// configured resources are encrypted before they reach the backing store and decrypted on every way back
/// out — reads, ranges, deletes and watch events with their previous values — so neither the database nor
/// its journal ever holds them in the clear. Keys, revisions and everything else pass through unchanged.
struct EncryptedKeyValueStore: KeyValueStore, StaleValueReporting {
    let inner: any KeyValueStore
    let transformers: ResourceTransformers

    // MARK: Transforming values

    func encrypt(_ key: String, _ value: Data) throws(ValueTransformError) -> Data {
        guard let t = transformers.transformer(forKey: key) else { return value }
        return try t.toStorage(value, context: Data(key.utf8))
    }

    func decrypt(_ kv: KeyValue) throws(ValueTransformError) -> KeyValue {
        guard let t = transformers.transformer(forKey: kv.key) else { return kv }
        var out = kv
        out.value = try t.fromStorage(kv.value, context: Data(kv.key.utf8)).data
        return out
    }

    /// A list names the key it could not read, as upstream's does.
    func decryptListed(_ kv: KeyValue) throws(ValueTransformError) -> KeyValue {
        do {
            return try decrypt(kv)
        } catch {
            throw ValueTransformError("unable to transform key \"\(kv.key)\": \(error.message)")
        }
    }

    func isStale(_ key: String) async throws -> Bool {
        guard let t = transformers.transformer(forKey: key), let stored = try await inner.get(key, revision: nil) else { return false }
        return try t.fromStorage(stored.value, context: Data(key.utf8)).stale
    }

    // MARK: KeyValueStore

    func currentRevision() async throws -> Int64 { try await inner.currentRevision() }
    func compactedRevision() async throws -> Int64 { try await inner.compactedRevision() }

    func get(_ key: String, revision: Int64?) async throws -> KeyValue? {
        try await inner.get(key, revision: revision).map { kv throws(ValueTransformError) in try decrypt(kv) }
    }

    func range(prefix: String, startKey: String?, revision: Int64?, limit: Int?) async throws -> RangeResult {
        var result = try await inner.range(prefix: prefix, startKey: startKey, revision: revision, limit: limit)
        result.items = try result.items.map { kv throws(ValueTransformError) in try decryptListed(kv) }
        return result
    }

    func create(_ key: String, value: Data) async throws -> KeyValue {
        var stored = try await inner.create(key, value: try encrypt(key, value))
        stored.value = value
        return stored
    }

    func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        var stored = try await inner.update(key, value: try encrypt(key, value), expectedModRevision: expectedModRevision)
        stored.value = value
        return stored
    }

    func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try decrypt(try await inner.delete(key, expectedModRevision: expectedModRevision))
    }

    /// Events are decrypted as the consumer pulls them, so a slow consumer still slows the inner watch
    /// (which then drops it as too slow) instead of piling decrypted events up here.
    func watch(prefix: String, afterRevision: Int64) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        let events = EventSource(try await inner.watch(prefix: prefix, afterRevision: afterRevision).makeAsyncIterator())
        let store = self
        return AsyncThrowingStream {
            guard var event = try await events.next() else { return nil }
            event.kv = try store.decrypt(event.kv)
            event.previous = try event.previous.map { kv throws(ValueTransformError) in try store.decrypt(kv) }
            return event
        }
    }

    func compact(revision: Int64) async throws { try await inner.compact(revision: revision) }
    func close() async { await inner.close() }
}

/// The inner watch's iterator, pulled by one consumer at a time (AsyncThrowingStream's unfolding closure
/// is called serially), hence unchecked.
private final class EventSource: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<WatchEvent, Error>.AsyncIterator
    init(_ iterator: AsyncThrowingStream<WatchEvent, Error>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> WatchEvent? { try await iterator.next() }
}
