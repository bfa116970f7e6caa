import APIMachinery
import Foundation
import Registry
import Storage
import Synchronization

/// `?watch=true`: a chunked stream of `{"type": ..., "object": ...}` lines, one per event, flushed as they
/// happen. Selector filtering follows upstream: an object that starts matching arrives as ADDED, one that
/// stops matching leaves as DELETED.
extension APIHandler {
    func watch(_ ctx: RequestContext, name: String? = nil) async throws -> APIResponse {
        let q = ctx.request.query
        let selectorFilter = try Adapters.filter(labelSelector: q["labelSelector"], fieldSelector: q["fieldSelector"], strategy: ctx.strategy)
        let filter: @Sendable (JSON) -> Bool = { obj in
            if let name, obj.metaName != name { return false }
            return selectorFilter?(obj) ?? true
        }
        let filtered = name != nil || selectorFilter != nil
        let format = ResponseFormat.negotiate(ctx.request.header("accept"))
        let rvParam = q["resourceVersion"] ?? ""
        let bookmarks = q.bool("allowWatchBookmarks")
        let sendInitial = q.bool("sendInitialEvents")
        let timeout = q.int("timeoutSeconds").map { Duration.seconds(max($0, 1)) }

        var initial: [JSON] = []
        var after: Int64
        if rvParam.isEmpty || rvParam == "0" || sendInitial {
            let page = try await ctx.store.list(namespace: ctx.namespace, filter: filter, limit: 0, continueToken: nil, revision: nil)
            initial = page.items
            after = page.revision
            if !rvParam.isEmpty, rvParam != "0", let n = Int64(rvParam), n > after { after = n }
        } else {
            guard let n = Int64(rvParam), n >= 0 else { throw APIError.badRequest("invalid resource version: \(rvParam)") }
            after = n
        }

        let encoder = WatchEventEncoder(info: ctx.info, format: format, handler: self, filtered: filtered, custom: ctx.custom)
        let prefix = ctx.store.prefix(namespace: ctx.namespace)
        let kv = self.kv
        let store = ctx.store
        let bookmarkInterval = config.bookmarkInterval
        let initialItems = initial
        let startRevision = after
        let stream = AsyncThrowingStream<Data, Error> { continuation in
            let producer = Task {
                let lastRevision = LastRevision(startRevision)
                for obj in initialItems { continuation.yield(encoder.encode("ADDED", obj)) }
                if sendInitial && bookmarks {
                    continuation.yield(encoder.bookmark(revision: startRevision, initialEventsEnd: true))
                }
                let events: AsyncThrowingStream<WatchEvent, Error>
                do {
                    events = try await kv.watch(prefix: prefix, afterRevision: startRevision)
                } catch let e as StorageError {
                    let err = store.apiError(for: e, name: "")
                    continuation.yield(encoder.error(err))
                    continuation.finish()
                    return
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
                // Bookmarks and the timeout run beside the event loop and end with it.
                let ticker = Task {
                    let start = ContinuousClock.now
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(1))
                        if let timeout, ContinuousClock.now - start >= timeout {
                            continuation.finish()
                            return
                        }
                        if bookmarks, (ContinuousClock.now - start).components.seconds % max(bookmarkInterval.components.seconds, 1) == 0 {
                            continuation.yield(encoder.bookmark(revision: lastRevision.value, initialEventsEnd: false))
                        }
                    }
                }
                defer { ticker.cancel() }
                do {
                    for try await event in events {
                        lastRevision.value = event.revision
                        guard let line = encoder.translate(event, store: store, filter: filter) else { continue }
                        continuation.yield(line)
                    }
                    continuation.finish()
                } catch StorageError.watcherTooSlow {
                    continuation.finish()
                } catch let e as ValueTransformError {
                    // An event that does not decrypt ends the watch with an ERROR event, as upstream's does.
                    continuation.yield(encoder.error(.internalError(e.message)))
                    continuation.finish()
                } catch {
                    continuation.finish()
                }
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
        return APIResponse(status: 200, contentType: "application/json", headers: [("Transfer-Encoding", "chunked")], body: .stream(stream))
    }
}

/// The revision a watch has reached, shared between its event loop and its bookmark ticker.
final class LastRevision: Sendable {
    private let atomic: Atomic<Int64>
    init(_ v: Int64) { atomic = Atomic(v) }
    var value: Int64 {
        get { atomic.load(ordering: .relaxed) }
        set { atomic.store(newValue, ordering: .relaxed) }
    }
}

/// Turns store events into watch lines for one watch's format.
struct WatchEventEncoder: Sendable {
    let info: ResourceInfo
    let format: ResponseFormat
    let handler: APIHandler
    /// Whether the watch has selectors (or a name): only then must the previous version be inspected.
    let filtered: Bool
    var custom: CustomResourceServing? = nil

    var formatTag: String {
        switch format {
        case .object: return "o"
        case .table(let v): return "t" + v
        case .partialMetadata(let v): return "p" + v
        }
    }

    func encode(_ type: String, _ object: JSON) -> Data {
        let obj: JSON
        switch format {
        case .object: obj = handler.withTypeMeta(object, info)
        case .table(let v):
            obj = (try? Adapters.table(info: info, objects: [object], includeObject: "Metadata",
                                 listMeta: ["resourceVersion": .string(object.metaResourceVersion ?? "")], version: v,
                                 custom: custom)) ?? object
        case .partialMetadata(let v): obj = Adapters.partialMetadata(object, version: v)
        }
        var line = (["type": .string(type), "object": obj] as JSON).serialized()
        line.append(0x0A)
        return line
    }

    func bookmark(revision: Int64, initialEventsEnd: Bool) -> Data {
        var meta: JSON = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { meta["annotations"] = ["k8s.io/initial-events-end": "true"] }
        var obj: JSON = ["kind": .string(info.kind), "apiVersion": .string(info.apiVersion), "metadata": meta]
        if case .table(let v) = format {
            obj = ["kind": "Table", "apiVersion": .string("meta.k8s.io/\(v)"), "metadata": meta, "columnDefinitions": [], "rows": []]
        }
        var line = (["type": "BOOKMARK", "object": obj] as JSON).serialized()
        line.append(0x0A)
        return line
    }

    func error(_ e: APIError) -> Data {
        var line = (["type": "ERROR", "object": e.status] as JSON).serialized()
        line.append(0x0A)
        return line
    }

    /// The watch line for a store event, or nil when the event is invisible through this watch's filter.
    func translate(_ event: WatchEvent, store: ResourceStore, filter: (JSON) -> Bool) -> Data? {
        let cache = handler.watchCache
        guard let current = cache.object(event.kv, tag: store.info.apiVersion, decode: store.decode) else { return nil }
        let type: String
        if !filtered {
            switch event.kind {
            case .put: type = event.previous == nil ? "ADDED" : "MODIFIED"
            case .delete: type = "DELETED"
            }
        } else {
            let previous = event.previous.flatMap { cache.object($0, tag: store.info.apiVersion, decode: store.decode) }
            let wasIn = previous.map(filter) ?? false
            switch event.kind {
            case .put:
                let isIn = filter(current)
                switch (wasIn, isIn) {
                case (false, true): type = "ADDED"
                case (true, true): type = "MODIFIED"
                case (true, false): type = "DELETED"
                case (false, false): return nil
                }
            case .delete:
                guard wasIn || filter(current) else { return nil }
                type = "DELETED"
            }
        }
        return cache.line(type + formatTag, event.kv) { encode(type, current) }
    }
}
