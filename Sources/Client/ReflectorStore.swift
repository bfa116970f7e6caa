import APIMachinery

/// Where a `Reflector` puts what it lists and watches (client-go's `cache.Store` as the reflector uses it).
///
/// The reflector calls these from one task, in the order the server reported changes, so an
/// implementation sees a consistent history: one `replace` per (re)list, then the watch's changes.
public protocol ReflectorStore: Sendable {
    /// A watch reported a new object.
    func add(_ object: JSON)
    /// A watch reported a changed object.
    func update(_ object: JSON)
    /// A watch reported a deleted object (its last state, with the delete's resourceVersion).
    func delete(_ object: JSON)
    /// A list returned the complete current set of objects, as of `resourceVersion`.
    func replace(_ objects: [JSON], resourceVersion: String)
}
