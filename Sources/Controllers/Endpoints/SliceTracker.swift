import APIMachinery
import Synchronization

/// Remembers the EndpointSlices this controller wrote and deleted for each Service, so that a sync
/// based on an informer cache that has not caught up with those writes is refused (upstream's
/// `endpointSliceTracker` and its "informer cache is out of date" error).
///
/// Slices are created with `generateName`: acting on a stale cache would create a second slice for the
/// same endpoints instead of updating the first.
final class SliceTracker: Sendable {
    struct StaleCache: Error, CustomStringConvertible {
        var service: String
        var description: String { "EndpointSlice informer cache is out of date for service \(service)" }
    }

    struct Entry {
        /// Slice name → resourceVersion written.
        var written: [String: String] = [:]
        var deleted: Set<String> = []
    }

    let entries = Mutex<[String: Entry]>([:])

    func wrote(_ service: String, _ slice: JSON) {
        entries.withLock { e in
            e[service, default: Entry()].written[slice.name] = slice.resourceVersion
            e[service]?.deleted.remove(slice.name)
        }
    }

    func deleted(_ service: String, name: String) {
        entries.withLock { e in
            e[service, default: Entry()].written[name] = nil
            e[service]?.deleted.insert(name)
        }
    }

    func forget(_ service: String) {
        _ = entries.withLock { $0.removeValue(forKey: service) }
    }

    /// Throws when `cached` (the informer's slices of the Service) lacks or predates one of our writes,
    /// or still holds one we deleted.
    func checkFresh(_ service: String, cached: [JSON]) throws {
        let entry = entries.withLock { $0[service] } ?? Entry()
        let byName = Dictionary(cached.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, rv) in entry.written {
            guard let have = byName[name] else { throw StaleCache(service: service) }
            if Self.older(have.resourceVersion, than: rv) { throw StaleCache(service: service) }
        }
        for name in entry.deleted where byName[name] != nil { throw StaleCache(service: service) }
        // Deletions the cache has seen need no tracking any more.
        entries.withLock { e in e[service]?.deleted = entry.deleted.filter { byName[$0] != nil } }
    }

    /// Skiff's resourceVersions are store revisions: numbers that only grow.
    static func older(_ a: String, than b: String) -> Bool {
        guard let x = Int64(a), let y = Int64(b) else { return false }
        return x < y
    }
}
