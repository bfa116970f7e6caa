import APIMachinery
import Client
import Logging
import Synchronization

/// One informer per resource for a whole process (client-go's `SharedInformerFactory`): the controllers
/// that read pods all read the same cache, filled by one list and one watch.
///
/// Ask for informers (and their indexes) while building controllers, then `run()` starts them all.
/// An informer asked for after `run()` started is started at once.
public final class SharedInformers: Sendable {
    public let client: KubeClient
    let resyncPeriod: Duration?
    let logger: Logger
    let state = Mutex(State())

    struct State {
        var informers: [ResourcePath: Informer] = [:]
        var order: [ResourcePath] = []
        var started: AsyncStream<Informer>.Continuation?
    }

    public init(client: KubeClient, resyncPeriod: Duration? = nil, logger: Logger = Logger(label: "informers")) {
        self.client = client
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    /// The informer for `resource` (created on first use), with `indexers` added unless already there.
    public func informer(_ resource: ResourcePath, indexers: [String: IndexFunc] = [:]) -> Informer {
        let (informer, isNew, startNow) = state.withLock { s -> (Informer, Bool, AsyncStream<Informer>.Continuation?) in
            if let existing = s.informers[resource] { return (existing, false, nil) }
            let i = Informer(client: client, resource: resource, resyncPeriod: resyncPeriod, logger: logger)
            s.informers[resource] = i
            s.order.append(resource)
            return (i, true, s.started)
        }
        for (name, fn) in indexers {
            // Two controllers asking for the same index name mean the same index.
            try? informer.addIndexers([name: fn])
        }
        if isNew, let startNow { startNow.yield(informer) }
        return informer
    }

    /// The informers created so far.
    public var all: [Informer] {
        state.withLock { s in s.order.compactMap { s.informers[$0] } }
    }

    /// Runs every informer (and any created later) until cancelled.
    public func run() async {
        let (late, lateContinuation) = AsyncStream.makeStream(of: Informer.self, bufferingPolicy: .unbounded)
        let initial = state.withLock { s -> [Informer] in
            s.started = lateContinuation
            return s.order.compactMap { s.informers[$0] }
        }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for i in initial { group.addTask { await i.run() } }
                for await i in late { group.addTask { await i.run() } }
                group.cancelAll()
            }
        } onCancel: {
            lateContinuation.finish()
        }
    }

    /// Waits until every informer created so far has synced; false if cancelled first.
    public func waitForSync() async -> Bool {
        for i in all {
            guard await i.waitForSync() else { return false }
        }
        return true
    }
}

/// Index names and functions the controllers share.
enum Indexes {
    /// Objects by the UID of their controller owner reference.
    static let controllerUID = "controllerUID"
    static let controllerUIDFunc: IndexFunc = { o in o.controllerRef.map { [$0.uid] } ?? [] }
    /// Objects by the UIDs of all their owners (the garbage collector's dependents lookup).
    static let ownerUID = "ownerUID"
    static let ownerUIDFunc: IndexFunc = { o in o.ownerReferences.map(\.uid) }
    /// Objects by their own UID.
    static let uid = "uid"
    static let uidFunc: IndexFunc = { o in o.uid.isEmpty ? [] : [o.uid] }
    /// Pods by `spec.nodeName`.
    static let nodeName = "nodeName"
    static let nodeNameFunc: IndexFunc = Indexer.fieldIndexFunc(["spec", "nodeName"])
}
