import APIMachinery
import Logging
import Synchronization

/// A shared informer for one collection (client-go's `SharedIndexInformer`): a reflector keeps an
/// `Indexer` in step with the API server, and every change is passed to the registered handlers.
///
/// One informer per resource is meant to be shared by all the controllers of a process, so the API server
/// sees one list and one watch however many controllers read pods. Controllers read `store` (never the API
/// server) and react to handler calls. Start it with `run()` in a task, wait with `waitForSync()`, and
/// cancel the task to stop it.
public final class Informer: Sendable {
    public let resource: ResourcePath
    /// The cache: every object of the collection (matching the selectors), by `namespace/name`.
    public let store: Indexer
    /// The reflector that feeds the cache.
    public let reflector: Reflector
    /// When set, every handler gets `onUpdate(old: o, new: o)` for every cached object this often, so
    /// controllers re-check state they may have failed to act on.
    public let resyncPeriod: Duration?
    let dispatcher: InformerDispatcher
    let starts: AsyncStream<HandlerListener>
    let startsContinuation: AsyncStream<HandlerListener>.Continuation
    let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - indexers: extra indexes for `store` (the namespace index is always there).
    ///   - pageSize / minWatchTimeout / backoff: passed to the `Reflector`.
    ///   - transform: applied to every object before it is cached; by default `managedFields` are
    ///     dropped, as every upstream component configures its informers (pass nil to keep them).
    public init(
        client: KubeClient, resource: ResourcePath, labelSelector: String? = nil, fieldSelector: String? = nil,
        indexers: [String: IndexFunc] = [:], resyncPeriod: Duration? = nil, pageSize: Int = 500,
        minWatchTimeout: Duration = .seconds(300), backoff: Backoff = .reflectorDefault,
        transform: ObjectTransform? = ObjectTransforms.dropManagedFields, logger: Logger? = nil
    ) {
        self.resource = resource
        self.resyncPeriod = resyncPeriod
        store = Indexer(indexers: indexers)
        dispatcher = InformerDispatcher(store: store)
        reflector = Reflector(
            client: client, resource: resource, labelSelector: labelSelector, fieldSelector: fieldSelector,
            store: dispatcher, pageSize: pageSize, minWatchTimeout: minWatchTimeout, backoff: backoff,
            transform: transform, logger: logger ?? Logger(label: "informer"))
        (starts, startsContinuation) = AsyncStream.makeStream(of: HandlerListener.self, bufferingPolicy: .unbounded)
    }

    /// Registers a handler. Added after the informer has listed, it first gets `onAdd` for everything in
    /// the cache, then the changes that follow, with nothing missed or repeated in between.
    @discardableResult
    public func addHandler(_ handler: some InformerHandler) -> HandlerRegistration {
        let listener = HandlerListener(handler)
        dispatcher.register(listener)
        startsContinuation.yield(listener)
        return HandlerRegistration(listener)
    }

    /// Unregisters a handler: it gets nothing more, and a notification it is in the middle of is cancelled
    /// along with the rest of its queue.
    public func removeHandler(_ registration: HandlerRegistration) {
        dispatcher.unregister(registration.listener)
    }

    /// Adds indexes to `store` (see `Indexer.addIndexers`).
    public func addIndexers(_ indexers: [String: IndexFunc]) throws {
        try store.addIndexers(indexers)
    }

    /// True once the first complete list is in the cache and was passed to the handlers.
    public var hasSynced: Bool { dispatcher.hasSynced }

    /// Every change cached so far has been passed to every handler and the handlers have returned: with the
    /// reflector's resourceVersion, tells a test that controllers have seen a given write.
    var allDelivered: Bool { dispatcher.allDelivered }

    /// Waits until `hasSynced`; returns false when the waiting task is cancelled first.
    @discardableResult
    public func waitForSync() async -> Bool {
        await dispatcher.waitForSync()
    }

    /// Lists, watches and delivers to handlers until the task is cancelled. Runs once: a second call returns
    /// at once.
    public func run() async {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let reflector = self.reflector
        let dispatcher = self.dispatcher
        let resyncPeriod = self.resyncPeriod
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await reflector.run() }
            if let resyncPeriod {
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: resyncPeriod) } catch { return }
                        dispatcher.resync()
                    }
                }
            }
            for await listener in starts {
                group.addTask { await listener.run() }
            }
            // Cancelled: stop the reflector, the resync ticker and every handler.
            group.cancelAll()
        }
        dispatcher.stopAll()
    }
}

/// Applies what the reflector reports to the cache and turns it into handler notifications (the part of
/// client-go's `sharedIndexInformer.HandleDeltas` and `sharedProcessor` that survives without a DeltaFIFO).
///
/// One lock covers "change the cache, then queue the notifications", and registering a handler takes the
/// same lock, so a handler's replay of the cache and the live changes after it never overlap or gap.
final class InformerDispatcher: Sendable, ReflectorStore {
    let store: Indexer
    let state = Mutex(State())

    struct State {
        var listeners: [HandlerListener] = []
        var synced = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    init(store: Indexer) { self.store = store }

    func register(_ listener: HandlerListener) {
        state.withLock { s in
            if s.synced {
                for o in store.list() { listener.send(.add(o, isInInitialList: true)) }
                listener.markSynced()
            }
            s.listeners.append(listener)
        }
    }

    func unregister(_ listener: HandlerListener) {
        state.withLock { s in s.listeners.removeAll { $0 === listener } }
        listener.stop()
    }

    func stopAll() {
        state.withLock { s in for l in s.listeners { l.stop() } }
    }

    var hasSynced: Bool { state.withLock { $0.synced } }

    /// Every notification queued so far has been handled by every handler.
    var allDelivered: Bool { state.withLock { s in s.listeners.allSatisfy(\.isDrained) } }

    func waitForSync() async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.synced || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
        return hasSynced
    }

    private func distribute(_ n: InformerNotification, _ s: State) {
        for l in s.listeners { l.send(n) }
    }

    func add(_ object: JSON) { upsert(object) }
    func update(_ object: JSON) { upsert(object) }

    private func upsert(_ object: JSON) {
        state.withLock { s in
            guard let (_, old) = store.upsert(object) else { return }
            if let old {
                distribute(.update(old: old, new: object), s)
            } else {
                distribute(.add(object, isInInitialList: false), s)
            }
        }
    }

    func delete(_ object: JSON) {
        state.withLock { s in
            guard let key = ObjectKey.of(object) else { return }
            // A delete for an object the cache never had (say it was created and deleted between a list and
            // a watch) is still passed on, as upstream does.
            store.remove(key: key)
            distribute(.delete(.object(object)), s)
        }
    }

    /// A (re)list: objects missing from it are deleted with a tombstone, present ones are updated (even if
    /// unchanged), new ones added. The first one marks the informer synced.
    func replace(_ objects: [JSON], resourceVersion: String) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            let initial = !s.synced
            let old = store.replaceAll(objects, resourceVersion: resourceVersion)
            var listed = Set<String>()
            for o in objects { if let k = ObjectKey.of(o) { listed.insert(k) } }
            // Listed objects first, then the tombstones, in the order upstream's DeltaFIFO.Replace queues them.
            for o in objects {
                guard let k = ObjectKey.of(o) else { continue }
                if let before = old[k] {
                    distribute(.update(old: before, new: o), s)
                } else {
                    distribute(.add(o, isInInitialList: initial), s)
                }
            }
            for key in old.keys.sorted() where !listed.contains(key) {
                distribute(.delete(.finalStateUnknown(DeletedFinalStateUnknown(key: key, object: old[key]!))), s)
            }
            guard initial else { return [] }
            s.synced = true
            for l in s.listeners { l.markSynced() }
            let w = Array(s.waiters.values)
            s.waiters = [:]
            return w
        }
        for w in waiters { w.resume() }
    }

    /// Sends `onUpdate(o, o)` for every cached object.
    func resync() {
        state.withLock { s in
            guard s.synced else { return }
            for o in store.list() { distribute(.update(old: o, new: o), s) }
        }
    }
}
