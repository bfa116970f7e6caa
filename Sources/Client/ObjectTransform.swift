import APIMachinery

/// Rewrites an object before a reflector stores it and an informer hands it on (client-go's
/// `cache.TransformFunc`), so that a cache holds only what its component reads.
public typealias ObjectTransform = @Sendable (JSON) -> JSON

public enum ObjectTransforms {
    /// Drops `metadata.managedFields`, as upstream's components do for their informers
    /// (`TrimManagedFields`): server-side apply's bookkeeping, often the biggest part of an object, which
    /// no controller reads. Updates built from such a copy are safe: a write without `managedFields` keeps
    /// the stored ones.
    public static let dropManagedFields: ObjectTransform = { object in
        guard object[path: ["metadata", "managedFields"]] != nil else { return object }
        var trimmed = object
        trimmed[path: ["metadata", "managedFields"]] = nil
        return trimmed
    }
}
