import APIMachinery

/// How a cache names an object: `namespace/name`, or just `name` for cluster-scoped objects.
///
/// This is client-go's `MetaNamespaceKeyFunc`, so keys read the same in Skiff's logs and work queues as
/// they do upstream, and a controller can split a key back into its namespace and name.
public enum ObjectKey {
    /// The key of an object; nil when it has no `metadata.name`.
    public static func of(_ object: JSON) -> String? {
        guard let name = object[path: ["metadata", "name"]]?.string, !name.isEmpty else { return nil }
        return make(namespace: object[path: ["metadata", "namespace"]]?.string, name: name)
    }

    /// `namespace/name`, or `name` when `namespace` is nil or empty.
    public static func make(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return name }
        return namespace + "/" + name
    }

    /// Splits a key into namespace (nil for cluster-scoped) and name; nil when the key has more than one
    /// slash or an empty part (client-go's `SplitMetaNamespaceKey` rejects the same keys).
    public static func split(_ key: String) -> (namespace: String?, name: String)? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !parts[0].isEmpty: return (nil, String(parts[0]))
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return (String(parts[0]), String(parts[1]))
        default: return nil
        }
    }
}

/// An object that was deleted while the informer was not watching: found in the cache, missing from a
/// fresh list. Its last known state may be stale (it may have changed before it was deleted), which is
/// why handlers get it wrapped rather than as a plain object (client-go's `DeletedFinalStateUnknown`).
public struct DeletedFinalStateUnknown: Sendable, Hashable {
    public var key: String
    /// The object as the cache last saw it.
    public var object: JSON

    public init(key: String, object: JSON) {
        self.key = key
        self.object = object
    }
}

/// What an `onDelete` handler receives: the deleted object as the watch reported it, or a tombstone when
/// the deletion was only noticed by a relist.
public enum DeletedObject: Sendable, Hashable {
    case object(JSON)
    case finalStateUnknown(DeletedFinalStateUnknown)

    /// The deleted object's last known state, whichever way the deletion was noticed.
    public var object: JSON {
        switch self {
        case .object(let o): return o
        case .finalStateUnknown(let t): return t.object
        }
    }

    /// The cache key of the deleted object.
    public var key: String? {
        switch self {
        case .object(let o): return ObjectKey.of(o)
        case .finalStateUnknown(let t): return t.key
        }
    }

    public var isFinalStateUnknown: Bool {
        if case .finalStateUnknown = self { return true }
        return false
    }
}
