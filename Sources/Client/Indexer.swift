import APIMachinery
import Synchronization

/// Computes the values an object is indexed under (for example its node name); an empty array leaves the
/// object out of that index.
public typealias IndexFunc = @Sendable (JSON) -> [String]

/// Misuse of an `Indexer`'s indexes (client-go returns the same conditions as errors).
public enum IndexerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A lookup named an index that was never added.
    case indexNotFound(String)
    /// `addIndexers` named an index that already exists.
    case indexExists(String)

    public var description: String {
        switch self {
        case .indexNotFound(let n): return "Index with name \(n) does not exist"
        case .indexExists(let n): return "indexer conflict: map[\(n):{}]"
        }
    }
}

/// A thread-safe cache of objects by key (`namespace/name`), with secondary indexes (client-go's
/// `cache.Indexer` over its `threadSafeMap`).
///
/// Informers keep one so that controllers read the cluster's state from memory instead of the API server,
/// and find related objects by index ("pods on node n") without scanning everything. Objects handed out
/// are values: changing them never changes the cache.
public final class Indexer: Sendable, ReflectorStore {
    /// The index every indexer has: objects by namespace (cluster-scoped objects are under "").
    public static let namespaceIndex = "namespace"

    /// Indexes objects by `metadata.namespace` (client-go's `MetaNamespaceIndexFunc`).
    public static let namespaceIndexFunc: IndexFunc = { [$0[path: ["metadata", "namespace"]]?.string ?? ""] }

    /// Indexes objects by the string at `path` (for example `["spec", "nodeName"]`); objects where it is
    /// missing or empty are left out.
    public static func fieldIndexFunc(_ path: [String]) -> IndexFunc {
        { object in
            guard let v = object[path: path]?.string, !v.isEmpty else { return [] }
            return [v]
        }
    }

    struct State {
        var items: [String: JSON] = [:]
        var indexers: [String: IndexFunc] = [:]
        /// index name → indexed value → keys of the objects with that value.
        var indices: [String: [String: Set<String>]] = [:]
        var resourceVersion = ""

        mutating func updateIndices(key: String, old: JSON?, new: JSON?) {
            for (name, fn) in indexers {
                let oldValues = old.map(fn) ?? []
                let newValues = new.map(fn) ?? []
                if oldValues == newValues { continue }
                var index = indices[name] ?? [:]
                for v in oldValues {
                    index[v]?.remove(key)
                    if index[v]?.isEmpty == true { index[v] = nil }
                }
                for v in newValues { index[v, default: []].insert(key) }
                indices[name] = index
            }
        }

        mutating func set(_ key: String, _ object: JSON) -> JSON? {
            let old = items.updateValue(object, forKey: key)
            updateIndices(key: key, old: old, new: object)
            return old
        }

        mutating func remove(_ key: String) -> JSON? {
            guard let old = items.removeValue(forKey: key) else { return nil }
            updateIndices(key: key, old: old, new: nil)
            return old
        }

        mutating func rebuildIndices() {
            indices = [:]
            for (key, object) in items { updateIndices(key: key, old: nil, new: object) }
        }
    }

    let state: Mutex<State>

    /// An empty cache with the namespace index and `indexers` (name → function).
    public init(indexers: [String: IndexFunc] = [:]) {
        var s = State()
        s.indexers = indexers
        if s.indexers[Self.namespaceIndex] == nil { s.indexers[Self.namespaceIndex] = Self.namespaceIndexFunc }
        state = Mutex(s)
    }

    /// Adds indexes, indexing the objects already cached; fails, adding none, if one of the names exists.
    public func addIndexers(_ indexers: [String: IndexFunc]) throws {
        try state.withLock { s in
            for name in indexers.keys.sorted() where s.indexers[name] != nil { throw IndexerError.indexExists(name) }
            for (name, fn) in indexers { s.indexers[name] = fn }
            s.rebuildIndices()
        }
    }

    // MARK: Reads

    public func get(_ key: String) -> JSON? {
        state.withLock { $0.items[key] }
    }

    public func get(namespace: String?, name: String) -> JSON? {
        get(ObjectKey.make(namespace: namespace, name: name))
    }

    /// Every cached object, in key order.
    public func list() -> [JSON] {
        state.withLock { s in s.items.keys.sorted().map { s.items[$0]! } }
    }

    /// Every cached key, sorted.
    public func listKeys() -> [String] {
        state.withLock { $0.items.keys.sorted() }
    }

    public var count: Int { state.withLock { $0.items.count } }

    /// The resourceVersion of the last list this cache was replaced with.
    public var lastReplacedResourceVersion: String { state.withLock { $0.resourceVersion } }

    /// Objects whose index `indexName` includes `value`, in key order.
    public func byIndex(_ indexName: String, _ value: String) throws -> [JSON] {
        try state.withLock { s in
            guard s.indexers[indexName] != nil else { throw IndexerError.indexNotFound(indexName) }
            return (s.indices[indexName]?[value] ?? []).sorted().compactMap { s.items[$0] }
        }
    }

    /// Keys of objects whose index `indexName` includes `value`, sorted.
    public func indexKeys(_ indexName: String, _ value: String) throws -> [String] {
        try state.withLock { s in
            guard s.indexers[indexName] != nil else { throw IndexerError.indexNotFound(indexName) }
            return (s.indices[indexName]?[value] ?? []).sorted()
        }
    }

    /// Objects that share at least one value of index `indexName` with `object` (client-go's `Index`).
    public func index(_ indexName: String, matching object: JSON) throws -> [JSON] {
        try state.withLock { s in
            guard let fn = s.indexers[indexName] else { throw IndexerError.indexNotFound(indexName) }
            var keys = Set<String>()
            for v in fn(object) { keys.formUnion(s.indices[indexName]?[v] ?? []) }
            return keys.sorted().compactMap { s.items[$0] }
        }
    }

    /// The values present in index `indexName`, sorted (empty for an unknown index).
    public func listIndexFuncValues(_ indexName: String) -> [String] {
        state.withLock { ($0.indices[indexName] ?? [:]).keys.sorted() }
    }

    // MARK: Writes

    /// Stores `object` under its key and returns what was there before.
    @discardableResult
    func upsert(_ object: JSON) -> (key: String, old: JSON?)? {
        guard let key = ObjectKey.of(object) else { return nil }
        return state.withLock { (key, $0.set(key, object)) }
    }

    /// Removes the object with `key` and returns it.
    @discardableResult
    func remove(key: String) -> JSON? {
        state.withLock { $0.remove(key) }
    }

    /// Replaces the whole content and returns what was there before, by key.
    @discardableResult
    func replaceAll(_ objects: [JSON], resourceVersion: String) -> [String: JSON] {
        var items: [String: JSON] = [:]
        for o in objects { if let k = ObjectKey.of(o) { items[k] = o } }
        return state.withLock { s in
            let old = s.items
            s.items = items
            s.resourceVersion = resourceVersion
            s.rebuildIndices()
            return old
        }
    }

    public func add(_ object: JSON) { upsert(object) }
    public func update(_ object: JSON) { upsert(object) }
    public func delete(_ object: JSON) {
        if let key = ObjectKey.of(object) { remove(key: key) }
    }
    public func replace(_ objects: [JSON], resourceVersion: String) {
        replaceAll(objects, resourceVersion: resourceVersion)
    }
}
