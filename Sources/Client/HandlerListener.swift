import APIMachinery
import Synchronization

/// What `Informer.addHandler` returns: lets a controller wait until its handler has seen the initial list.
public final class HandlerRegistration: Sendable {
    let listener: HandlerListener

    init(_ listener: HandlerListener) { self.listener = listener }

    /// True once this handler has been called for every object of the informer's first list (or, for a
    /// handler added later, for every object the cache held when it was added).
    public var hasSynced: Bool { listener.hasSynced }
}

/// One handler's unbounded, ordered buffer of notifications and the loop that feeds them to it
/// (client-go's `processorListener`). Buffers never block the informer: a slow handler only falls behind.
final class HandlerListener: Sendable {
    let handler: any InformerHandler
    let stream: AsyncStream<InformerNotification>
    let continuation: AsyncStream<InformerNotification>.Continuation
    let counts = Mutex(Counts())
    /// Set by `stop`: notifications still buffered are dropped rather than delivered.
    let stopped = Atomic<Bool>(false)

    struct Counts {
        var enqueued = 0
        var processed = 0
        /// How many notifications make up the initial state; nil until the informer has synced.
        var syncTarget: Int?
    }

    init(_ handler: any InformerHandler) {
        self.handler = handler
        (stream, continuation) = AsyncStream.makeStream(of: InformerNotification.self, bufferingPolicy: .unbounded)
    }

    func send(_ n: InformerNotification) {
        counts.withLock { $0.enqueued += 1 }
        continuation.yield(n)
    }

    /// Marks everything sent so far as the initial state.
    func markSynced() {
        counts.withLock { c in
            if c.syncTarget == nil { c.syncTarget = c.enqueued }
        }
    }

    var hasSynced: Bool {
        counts.withLock { c in c.syncTarget.map { c.processed >= $0 } ?? false }
    }

    /// Everything sent has been handled.
    var isDrained: Bool { counts.withLock { $0.processed >= $0.enqueued } }

    /// Delivers notifications until cancelled or stopped.
    func run() async {
        for await n in stream {
            if Task.isCancelled || stopped.load(ordering: .relaxed) { return }
            switch n {
            case .add(let o, let initial): await handler.onAdd(o, isInInitialList: initial)
            case .update(let old, let new): await handler.onUpdate(old: old, new: new)
            case .delete(let d): await handler.onDelete(d)
            }
            counts.withLock { $0.processed += 1 }
        }
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        continuation.finish()
    }
}
