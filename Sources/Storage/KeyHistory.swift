import Foundation

/// One version of a key: what a write at `modRevision` left behind.
struct KeyVersion: Sendable {
    var modRevision: Int64
    var createRevision: Int64
    var value: Data
    /// The key was deleted at `modRevision`; absent from then until the next create.
    var isTombstone: Bool
}

/// Every retained version of one key, oldest first, so a read at any revision since the compaction
/// point finds the version that was current then (etcd's key index plus its revisioned values).
struct KeyHistory: Sendable {
    /// Ascending `modRevision`; never empty while the history is stored.
    var versions: [KeyVersion] = []

    /// The most recent version, tombstone or not.
    var latest: KeyVersion? { versions.last }

    /// The version live at `revision`: the last one at or before it, unless that one is a tombstone.
    func live(at revision: Int64) -> KeyVersion? {
        guard let last = versions.last else { return nil }
        if last.modRevision <= revision { return last.isTombstone ? nil : last }
        // Binary search for the last version with modRevision <= revision.
        var low = 0, high = versions.count
        while low < high {
            let mid = (low + high) / 2
            if versions[mid].modRevision <= revision { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let found = versions[low - 1]
        return found.isTombstone ? nil : found
    }

    /// Drops the versions no read at `revision` or later can see: everything before the version live
    /// at `revision`, and that version too when it is a tombstone (absent reads the same either way).
    /// Returns false when nothing is left, so the key itself can be forgotten.
    mutating func compact(at revision: Int64) -> Bool {
        var keepFrom = 0
        while keepFrom + 1 < versions.count, versions[keepFrom + 1].modRevision <= revision { keepFrom += 1 }
        if keepFrom < versions.count, versions[keepFrom].modRevision <= revision, versions[keepFrom].isTombstone {
            keepFrom += 1
        }
        if keepFrom > 0 { versions.removeFirst(keepFrom) }
        return !versions.isEmpty
    }
}

extension KeyVersion {
    func keyValue(_ key: String) -> KeyValue {
        KeyValue(key: key, value: value, createRevision: createRevision, modRevision: modRevision)
    }
}
