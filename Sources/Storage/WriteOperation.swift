import Foundation

/// One write request, before it is checked against the store and given a revision.
enum WriteOperation: Sendable {
    case create(key: String, value: Data)
    case update(key: String, value: Data, expectedModRevision: Int64?)
    case delete(key: String, expectedModRevision: Int64?)

    var key: String {
        switch self {
        case .create(let key, _), .update(let key, _, _), .delete(let key, _): key
        }
    }

    /// Checks the operation against the key's latest version and, when it may proceed, returns the
    /// event it produces at `revision`. A failed check consumes no revision.
    ///
    /// Pure, so the same rules serve the in-memory store and the SQLite store's batches (which check
    /// several operations against the memory state plus the batch's own earlier writes).
    func plan(latest: KeyVersion?, revision: Int64) -> Result<WatchEvent, StorageError> {
        let live = latest.flatMap { $0.isTombstone ? nil : $0 }
        switch self {
        case .create(let key, let value):
            if live != nil { return .failure(.keyExists(key)) }
            let kv = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
            return .success(WatchEvent(kind: .put, kv: kv, previous: nil))
        case .update(let key, let value, let expected):
            guard let live else { return .failure(.notFound(key)) }
            if let expected, expected != live.modRevision {
                return .failure(.conflict(key: key, currentModRevision: live.modRevision))
            }
            let kv = KeyValue(key: key, value: value, createRevision: live.createRevision, modRevision: revision)
            return .success(WatchEvent(kind: .put, kv: kv, previous: live.keyValue(key)))
        case .delete(let key, let expected):
            guard let live else { return .failure(.notFound(key)) }
            if let expected, expected != live.modRevision {
                return .failure(.conflict(key: key, currentModRevision: live.modRevision))
            }
            let kv = KeyValue(key: key, value: live.value, createRevision: live.createRevision, modRevision: revision)
            return .success(WatchEvent(kind: .delete, kv: kv, previous: live.keyValue(key)))
        }
    }
}

extension WatchEvent {
    /// The version this event leaves in the key's history.
    var resultingVersion: KeyVersion {
        switch kind {
        case .put:
            KeyVersion(modRevision: kv.modRevision, createRevision: kv.createRevision, value: kv.value, isTombstone: false)
        case .delete:
            KeyVersion(modRevision: kv.modRevision, createRevision: kv.createRevision, value: Data(), isTombstone: true)
        }
    }
}
