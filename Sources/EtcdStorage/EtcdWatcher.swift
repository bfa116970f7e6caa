import Foundation
import GRPCCore
import Storage
import Synchronization

/// One store watch: a task that follows an etcd Watch stream into the watch's `EtcdWatchBuffer`, and starts a
/// new stream on the next member, from the last revision it delivered, whenever one breaks.
///
/// etcd's own client resumes a broken watch the same way. Because the new stream starts where the old one
/// stopped (etcd replays history from a start revision), nothing is lost or repeated across a member's restart
/// or a leader change; a start revision etcd has compacted meanwhile ends the watch with `.compacted`, which
/// the API server turns into 410 Gone so its client lists again.
///
/// Each stream asks for `prev_kv` (a DELETED event carries the object, an update its previous state), for
/// progress notifications (a quiet watch still learns how far history has gone, so it resumes from there), and
/// for a leader (`hasleader` metadata: a member cut off from its quorum ends the stream rather than leaving it
/// silent).
final class EtcdWatcher: Sendable {
    let id: Int
    let prefix: String
    private let prefixBytes: [UInt8]
    /// Events at or below this revision are not the watch's.
    let afterRevision: Int64
    let buffer: EtcdWatchBuffer
    private let members: EtcdMembers
    private let onEnd: @Sendable (Int) -> Void
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// How far the watch has got, across streams.
    private final class Cursor: Sendable {
        struct Position: Sendable {
            /// The last revision delivered (or passed by a progress notification).
            var after: Int64
            /// Streams that failed in a row, to back off once every member has failed.
            var failures = 0
        }
        let position: Mutex<Position>
        init(after: Int64) { position = Mutex(Position(after: after)) }
    }

    init(id: Int, prefix: String, afterRevision: Int64, buffer: EtcdWatchBuffer, store: EtcdStore) {
        self.id = id
        self.prefix = prefix
        self.prefixBytes = Array(prefix.utf8)
        self.afterRevision = afterRevision
        self.buffer = buffer
        self.members = store.members
        self.onEnd = { [weak store] id in store?.removeWatcher(id) }
    }

    /// Whether a write of `key` at `revision` is an event of this watch.
    func concerns(key: String, revision: Int64) -> Bool {
        revision > afterRevision && key.utf8.starts(with: prefixBytes)
    }

    func start() {
        task.withLock { task in
            task = Task { [self] in
                await run()
                onEnd(id)
            }
        }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    func stopped() async {
        await task.withLock({ $0 })?.value
    }

    // MARK: The streams

    private func run() async {
        let cursor = Cursor(after: afterRevision)
        while !Task.isCancelled, !buffer.hasEnded {
            let (index, connection) = members.pick()
            do {
                try await follow(connection, cursor)
                if Task.isCancelled || buffer.hasEnded { return }
                // etcd closed the stream without a reason (a member shutting down): like any break.
                throw RPCError(code: .unavailable, message: "the watch stream ended")
            } catch {
                if Task.isCancelled || buffer.hasEnded { return }
                buffer.setLive(false)
                guard EtcdFailure.isUnreachable(error) else {
                    buffer.finish(EtcdFailure.storageError(error))
                    return
                }
                members.failed(index)
                let failures = cursor.position.withLock { position in
                    position.failures += 1
                    return position.failures
                }
                if failures >= members.connections.count {
                    if !buffer.isSetUp {
                        // No member would even start the watch: the caller hears it now.
                        buffer.finish(EtcdFailure.storageError(error))
                        return
                    }
                    // Every member failed in turn: wait before the next round (100 ms doubling to 2 s).
                    let round = min(5, failures / members.connections.count - 1)
                    try? await Task.sleep(for: .milliseconds(100 << round))
                }
            }
        }
    }

    /// Follows one stream until it breaks (throws), etcd ends it, or the watch ends.
    private func follow(_ connection: EtcdConnection, _ cursor: Cursor) async throws {
        let resumeAfter = cursor.position.withLock { $0.after }
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = EtcdKeys.rangeStart(prefix: prefix, startKey: nil)
        create.rangeEnd = EtcdKeys.prefixEnd(prefix)
        // From the last revision delivered, not the one after: etcd keeps one revision more history than the
        // store's contract allows (a compaction at N still serves N), so starting one early makes etcd refuse
        // exactly the start revisions the store must refuse. The repeated revision is dropped below.
        create.startRevision = EtcdRevisions.etcd(resumeAfter)
        create.prevKv = true
        create.progressNotify = true
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        var metadata = Metadata()
        metadata.addString("true", forKey: "hasleader")
        let (done, finishRequests) = AsyncStream<Void>.makeStream()
        try await connection.watch.watch(
            metadata: metadata,
            options: EtcdStore.callOptions,
            requestProducer: { [request] writer in
                try await writer.write(request)
                // The request side stays open while the responses are read.
                for await _ in done {}
            },
            onResponse: { [self] response in
                defer { finishRequests.finish() }
                for try await message in response.messages {
                    guard handle(message, resumeAfter: resumeAfter, cursor) else { return }
                }
            })
    }

    /// Applies one response; false when the watch ended.
    private func handle(_ message: Etcdserverpb_WatchResponse, resumeAfter: Int64, _ cursor: Cursor) -> Bool {
        if message.created {
            cursor.position.withLock { $0.failures = 0 }
            buffer.setLive(true)
            buffer.setUp()
        }
        if message.canceled {
            if message.compactRevision > 0 {
                buffer.finish(.compacted(requested: resumeAfter, compactRevision: EtcdRevisions.store(message.compactRevision)))
            } else {
                buffer.finish(.unavailable("etcd cancelled the watch: \(message.cancelReason)"))
            }
            return false
        }
        if message.events.isEmpty {
            if !message.created {
                // A progress notification: no event at or below this revision is still to come.
                let revision = EtcdRevisions.store(message.header.revision)
                cursor.position.withLock { $0.after = max($0.after, revision) }
                buffer.progress(revision)
            }
            return true
        }
        for event in message.events {
            let revision = EtcdRevisions.store(event.kv.modRevision)
            guard revision > resumeAfter else { continue }
            guard buffer.push(Self.watchEvent(event)) else { return false }
            cursor.position.withLock { $0.after = max($0.after, revision) }
        }
        return true
    }

    static func watchEvent(_ event: Mvccpb_Event) -> WatchEvent {
        let previous = event.hasPrevKv ? EtcdStore.keyValue(event.prevKv) : nil
        switch event.type {
        case .delete:
            // etcd's DELETE carries only the key and the delete's revision; the store's carries the last value.
            let kv = KeyValue(key: EtcdKeys.string(event.kv.key), value: previous?.value ?? Data(),
                              createRevision: previous?.createRevision ?? 0, modRevision: EtcdRevisions.store(event.kv.modRevision))
            return WatchEvent(kind: .delete, kv: kv, previous: previous)
        default:
            return WatchEvent(kind: .put, kv: EtcdStore.keyValue(event.kv), previous: previous)
        }
    }
}

/// The consumer's end of a watch, captured by the stream `EtcdStore.watch` returns: when the consumer is
/// cancelled or drops the stream, the watch stops and leaves the store.
final class EtcdWatchHandle: Sendable {
    let watcher: EtcdWatcher
    private let store: EtcdStore

    init(watcher: EtcdWatcher, store: EtcdStore) {
        self.watcher = watcher
        self.store = store
    }

    func next() async throws -> WatchEvent? {
        try await watcher.buffer.next()
    }

    func end() {
        watcher.buffer.consumerGone()
        watcher.buffer.finish(nil)
        watcher.stop()
        store.removeWatcher(watcher.id)
    }

    deinit { end() }
}
