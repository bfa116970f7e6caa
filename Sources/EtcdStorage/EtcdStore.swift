import Foundation
import GRPCCore
import Logging
import Storage
import Synchronization

/// `KeyValueStore` on an etcd cluster, over etcd's v3 gRPC API: what `skiff apiserver --storage etcd` runs on.
///
/// Each call maps onto etcd as kube-apiserver's etcd3 store does it:
/// - create: a Txn that puts the key only if its `create_revision` is 0 (absent);
/// - update and delete: a Txn guarded by the key existing and, when given, by its `mod_revision`, whose else
///   branch reads the key so a failure says whether it was missing or changed;
/// - get and range: Range (linearizable), at a revision when asked; compact: Compact;
/// - watch: a Watch stream per watch, with `prev_kv` and progress notifications, resumed from the last revision
///   it delivered on another member when its stream breaks (see `EtcdWatcher`).
///
/// Keys are the API server's keys byte for byte, so `etcdctl get /registry/pods/default/nginx-pod` shows the
/// object. Revisions are etcd's minus one (`EtcdRevisions`).
///
/// A write returns once every watch of this store that the write concerns has buffered its event, as on the
/// embedded stores (where delivery happens inside the write): a client that writes and then reads its watch
/// sees its own write, and a watcher too slow for its backlog is dropped before the write returns.
public final class EtcdStore: KeyValueStore, Sendable {
    /// How many events a watcher may leave unconsumed beyond its replay, as `MemoryStore.defaultMaxWatcherBacklog`.
    public static let defaultMaxWatcherBacklog = MemoryStore.defaultMaxWatcherBacklog
    /// The largest response accepted: a list of every pod of a big cluster is one Range response.
    static let maxResponseBytes = 512 * 1024 * 1024

    let members: EtcdMembers
    let maxWatcherBacklog: Int
    let logger: Logger
    struct State: Sendable {
        var closed = false
        var watchers: [Int: EtcdWatcher] = [:]
        var nextWatcherID = 0
    }
    let state = Mutex(State())

    /// Connects lazily: nothing is dialled until the first call, so a store is made even while etcd is down.
    public init(
        endpoints: [EtcdEndpoint], tls: EtcdTLSFiles = EtcdTLSFiles(),
        maxWatcherBacklog: Int = EtcdStore.defaultMaxWatcherBacklog,
        logger: Logger = Logger(label: "skiff.etcd")
    ) throws {
        guard !endpoints.isEmpty else { throw EtcdConfigurationError("--etcd-servers names no server") }
        try tls.validate()
        self.members = try EtcdMembers(endpoints: endpoints, tls: tls)
        self.maxWatcherBacklog = max(1, maxWatcherBacklog)
        self.logger = logger
    }

    public var endpoints: [EtcdEndpoint] { members.connections.map(\.endpoint) }

    /// How many watches are open (for tests and metrics).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    static var callOptions: CallOptions {
        var options = CallOptions.defaults
        // Fail at once on a member that is down, so the call moves to the next member instead of waiting.
        options.waitForReady = false
        options.maxResponseMessageBytes = maxResponseBytes
        return options
    }

    func checkOpen() throws(StorageError) {
        if state.withLock({ $0.closed }) { throw .unavailable("the store is closed") }
    }

    // MARK: Reads

    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        return EtcdRevisions.store(try await rangeCall(Self.probe(revision: 0)).header.revision)
    }

    /// etcd has no call that answers the compaction point, so it is found out: a read at revision 1 works
    /// when nothing was compacted; otherwise a watch from revision 1 is refused with the compaction revision.
    public func compactedRevision() async throws -> Int64 {
        try checkOpen()
        do {
            _ = try await rangeCall(Self.probe(revision: 1))
            return 0
        } catch let error as StorageError {
            guard case .compacted(_, let compactRevision) = error else { throw error }
            return compactRevision
        }
    }

    public func get(_ key: String, revision: Int64?) async throws -> KeyValue? {
        try checkOpen()
        var request = Etcdserverpb_RangeRequest()
        request.key = EtcdKeys.bytes(key)
        request.revision = Self.etcdRevision(revision)
        let response = try await rangeCall(request)
        return response.kvs.first.map(Self.keyValue)
    }

    public func range(prefix: String, startKey: String?, revision: Int64?, limit: Int?) async throws -> RangeResult {
        try checkOpen()
        var request = Etcdserverpb_RangeRequest()
        request.key = EtcdKeys.rangeStart(prefix: prefix, startKey: startKey)
        request.rangeEnd = EtcdKeys.prefixEnd(prefix)
        request.revision = Self.etcdRevision(revision)
        if let limit, limit > 0 { request.limit = Int64(limit) }
        if request.rangeEnd != Data([0]), !request.key.lexicographicallyPrecedes(request.rangeEnd) {
            // A continue key past the prefix: nothing, at the revision asked (etcd refuses an inverted range).
            let at = try await rangeCall(Self.probe(revision: request.revision)).header.revision
            return RangeResult(items: [], revision: revision.flatMap { $0 > 0 ? $0 : nil } ?? EtcdRevisions.store(at), more: false, count: 0)
        }
        let response = try await rangeCall(request)
        let servedAt = revision.flatMap { $0 > 0 ? $0 : nil } ?? EtcdRevisions.store(response.header.revision)
        return RangeResult(items: response.kvs.map(Self.keyValue), revision: servedAt, more: response.more, count: Int(response.count))
    }

    /// A Range that reads nothing (one key no Skiff key can be), for the header's revision or a revision check.
    static func probe(revision: Int64) -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data([0])
        request.revision = revision
        request.keysOnly = true
        request.limit = 1
        return request
    }

    /// Runs a Range (retried on another member when one is unreachable), mapping etcd's revision errors.
    func rangeCall(_ request: Etcdserverpb_RangeRequest) async throws -> Etcdserverpb_RangeResponse {
        do {
            return try await members.call(retry: true) { connection in
                try await connection.kv.range(request, options: Self.callOptions)
            }
        } catch {
            throw await revisionError(error, requested: EtcdRevisions.store(request.revision))
        }
    }

    /// etcd's compacted and future-revision errors as the store's, which name the revisions involved.
    func revisionError(_ error: any Error, requested: Int64) async -> StorageError {
        if EtcdFailure.isCompacted(error) {
            if let compactRevision = try? await findCompactRevision() {
                return .compacted(requested: requested, compactRevision: compactRevision)
            }
        } else if EtcdFailure.isFutureRevision(error) {
            if let current = try? await currentRevision() {
                return .futureRevision(requested: requested, current: current)
            }
        }
        return EtcdFailure.storageError(error)
    }

    /// The compaction revision, from the refusal of a watch that starts at revision 1.
    func findCompactRevision() async throws -> Int64 {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = Data([0])
        create.startRevision = 1
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        return try await members.call(retry: true) { [request] connection in
            let (answered, finishRequests) = AsyncStream<Void>.makeStream()
            return try await connection.watch.watch(
                options: Self.callOptions,
                requestProducer: { writer in
                    try await writer.write(request)
                    // The request side stays open until the answer came.
                    for await _ in answered {}
                },
                onResponse: { response in
                    defer { finishRequests.finish() }
                    for try await message in response.messages where !message.created {
                        // Asked only after etcd said "compacted", so the answer is a refusal; anything else
                        // (history replaying) means the compaction point is not what it said, and is not waited out.
                        guard message.canceled, message.compactRevision > 0 else { break }
                        return EtcdRevisions.store(message.compactRevision)
                    }
                    throw StorageError.unavailable("etcd: no compaction revision in the answer to a watch from revision 1")
                })
        }
    }

    static func etcdRevision(_ revision: Int64?) -> Int64 {
        guard let revision, revision > 0 else { return 0 }
        return EtcdRevisions.etcd(revision)
    }

    static func keyValue(_ kv: Mvccpb_KeyValue) -> KeyValue {
        KeyValue(key: EtcdKeys.string(kv.key), value: kv.value,
                 createRevision: EtcdRevisions.store(kv.createRevision), modRevision: EtcdRevisions.store(kv.modRevision))
    }

    // MARK: Writes

    @discardableResult
    public func create(_ key: String, value: Data) async throws -> KeyValue {
        try checkOpen()
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [Self.compare(key, .create, .equal, 0)]
        txn.success = [Self.put(key, value, previous: false)]
        let response = try await txnCall(txn)
        guard response.succeeded else { throw StorageError.keyExists(key) }
        let revision = EtcdRevisions.store(response.header.revision)
        await waitForWatchers(key: key, revision: revision)
        return KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try checkOpen()
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = Self.guards(key, expectedModRevision)
        txn.success = [Self.put(key, value, previous: true)]
        txn.failure = [Self.read(key)]
        let response = try await txnCall(txn)
        guard response.succeeded else { throw Self.guardFailure(key, response) }
        let revision = EtcdRevisions.store(response.header.revision)
        let previous = response.responses.first?.responsePut.prevKv
        await waitForWatchers(key: key, revision: revision)
        return KeyValue(key: key, value: value, createRevision: EtcdRevisions.store(previous?.createRevision ?? 0), modRevision: revision)
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try checkOpen()
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = Self.guards(key, expectedModRevision)
        var delete = Etcdserverpb_DeleteRangeRequest()
        delete.key = EtcdKeys.bytes(key)
        delete.prevKv = true
        var op = Etcdserverpb_RequestOp()
        op.requestDeleteRange = delete
        txn.success = [op]
        txn.failure = [Self.read(key)]
        let response = try await txnCall(txn)
        guard response.succeeded else { throw Self.guardFailure(key, response) }
        let revision = EtcdRevisions.store(response.header.revision)
        guard let last = response.responses.first?.responseDeleteRange.prevKvs.first else {
            // Deleted between the guard and the delete cannot happen inside one Txn; kept for a clear error.
            throw StorageError.notFound(key)
        }
        await waitForWatchers(key: key, revision: revision)
        var deleted = Self.keyValue(last)
        deleted.modRevision = revision
        return deleted
    }

    /// Writes are sent once: after an unreachable member nobody knows whether it applied the Txn, so the failure
    /// goes to the caller (the API server answers it with a retryable error) and the next call goes elsewhere.
    func txnCall(_ txn: Etcdserverpb_TxnRequest) async throws -> Etcdserverpb_TxnResponse {
        do {
            return try await members.call(retry: false) { connection in
                try await connection.kv.txn(txn, options: Self.callOptions)
            }
        } catch {
            throw EtcdFailure.storageError(error)
        }
    }

    /// The key exists, and has `expectedModRevision` when one is given.
    static func guards(_ key: String, _ expectedModRevision: Int64?) -> [Etcdserverpb_Compare] {
        var guards = [compare(key, .create, .greater, 0)]
        if let expectedModRevision {
            guards.append(compare(key, .mod, .equal, EtcdRevisions.etcd(expectedModRevision)))
        }
        return guards
    }

    /// Why a guarded write's Txn failed, from the read in its else branch.
    static func guardFailure(_ key: String, _ response: Etcdserverpb_TxnResponse) -> StorageError {
        guard let current = response.responses.first?.responseRange.kvs.first else { return .notFound(key) }
        return .conflict(key: key, currentModRevision: EtcdRevisions.store(current.modRevision))
    }

    static func compare(_ key: String, _ target: Etcdserverpb_Compare.CompareTarget,
                        _ result: Etcdserverpb_Compare.CompareResult, _ value: Int64) -> Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = EtcdKeys.bytes(key)
        compare.target = target
        compare.result = result
        switch target {
        case .create: compare.createRevision = value
        case .mod: compare.modRevision = value
        default: compare.version = value
        }
        return compare
    }

    /// A put; `previous`: answer the value it replaced (an update needs its create revision).
    static func put(_ key: String, _ value: Data, previous: Bool) -> Etcdserverpb_RequestOp {
        var put = Etcdserverpb_PutRequest()
        put.key = EtcdKeys.bytes(key)
        put.value = value
        put.prevKv = previous
        var op = Etcdserverpb_RequestOp()
        op.requestPut = put
        return op
    }

    static func read(_ key: String) -> Etcdserverpb_RequestOp {
        var range = Etcdserverpb_RangeRequest()
        range.key = EtcdKeys.bytes(key)
        range.keysOnly = true
        var op = Etcdserverpb_RequestOp()
        op.requestRange = range
        return op
    }

    // MARK: Compaction

    public func compact(revision: Int64) async throws {
        try checkOpen()
        var request = Etcdserverpb_CompactionRequest()
        request.revision = EtcdRevisions.etcd(revision)
        do {
            _ = try await members.call(retry: true) { connection in
                try await connection.kv.compact(request, options: Self.callOptions)
            }
        } catch {
            let mapped = await revisionError(error, requested: revision)
            // etcd refuses to compact at its compaction point again; the store's contract is a no-op.
            if case .compacted(_, let compactRevision) = mapped, compactRevision == revision { return }
            throw mapped
        }
    }

    // MARK: Start-up

    /// Waits until etcd answers a read, for at most `patience`, then throws its last error. An API server starts
    /// with its etcd (`create cluster` starts both at once) and bootstraps objects into it as it comes up, so it
    /// waits for etcd first, as kube-apiserver does, rather than failing on the first refused connection.
    public func waitUntilReachable(patience: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let end = clock.now + patience
        var pause = Duration.milliseconds(100)
        while true {
            do {
                _ = try await currentRevision()
                return
            } catch {
                guard clock.now + pause < end else { throw error }
                logger.info("waiting for etcd at \(endpoints.map(\.description).joined(separator: ",")): \(error)")
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    // MARK: Closing

    public func close() async {
        let watchers = state.withLock { state -> [EtcdWatcher] in
            state.closed = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.buffer.finish(.unavailable("the store is closed"))
            watcher.stop()
        }
        for watcher in watchers { await watcher.stopped() }
        await members.close()
    }
}
