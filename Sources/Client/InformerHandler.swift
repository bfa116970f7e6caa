import APIMachinery

/// Reacts to an informer's changes (client-go's `ResourceEventHandler`).
///
/// Each handler gets every notification in the order the cache changed, one at a time, on its own task:
/// a slow handler delays only itself. The cache already holds the new state when a handler runs. Handlers
/// usually just put the object's key on a `WorkQueue` and let workers read the cache.
public protocol InformerHandler: Sendable {
    /// An object appeared. `isInInitialList` is true for objects of the informer's first list (and the
    /// replay of the cache a late-added handler gets).
    func onAdd(_ object: JSON, isInInitialList: Bool) async
    /// An object changed; also sent for every object on relists and periodic resyncs, when `old` and
    /// `new` may be identical (compare resourceVersions to tell).
    func onUpdate(old: JSON, new: JSON) async
    /// An object went away; a tombstone when it was only noticed missing on a relist.
    func onDelete(_ object: DeletedObject) async
}

extension InformerHandler {
    public func onAdd(_ object: JSON, isInInitialList: Bool) async {}
    public func onUpdate(old: JSON, new: JSON) async {}
    public func onDelete(_ object: DeletedObject) async {}
}

/// A handler made of closures, any of which may be left out (client-go's `ResourceEventHandlerFuncs`).
public struct InformerHandlerFunctions: InformerHandler {
    public var add: (@Sendable (JSON, Bool) async -> Void)?
    public var update: (@Sendable (JSON, JSON) async -> Void)?
    public var delete: (@Sendable (DeletedObject) async -> Void)?

    public init(
        onAdd: (@Sendable (_ object: JSON, _ isInInitialList: Bool) async -> Void)? = nil,
        onUpdate: (@Sendable (_ old: JSON, _ new: JSON) async -> Void)? = nil,
        onDelete: (@Sendable (DeletedObject) async -> Void)? = nil
    ) {
        add = onAdd
        update = onUpdate
        delete = onDelete
    }

    public func onAdd(_ object: JSON, isInInitialList: Bool) async { await add?(object, isInInitialList) }
    public func onUpdate(old: JSON, new: JSON) async { await update?(old, new) }
    public func onDelete(_ object: DeletedObject) async { await delete?(object) }
}

/// One change as delivered to handlers.
enum InformerNotification: Sendable {
    case add(JSON, isInInitialList: Bool)
    case update(old: JSON, new: JSON)
    case delete(DeletedObject)
}
