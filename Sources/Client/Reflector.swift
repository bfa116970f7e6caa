import APIMachinery
import Foundation
import Logging
import Synchronization

/// Why a reflector gave up on a list or watch and started over (after a backoff).
public enum ReflectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The watch ended at once without an event: something is wrong, don't spin.
    case veryShortWatch(String)
    /// A list or watch returned something that is not a Kubernetes object.
    case unexpectedObject(String)

    public var description: String {
        switch self {
        case .veryShortWatch(let name):
            return "very short watch: \(name): Unexpected watch close - watch lasted less than a second and no items received"
        case .unexpectedObject(let m): return m
        }
    }
}

/// Keeps a `ReflectorStore` in step with one collection of the API server (client-go's `Reflector`).
///
/// It lists the collection (in pages of `pageSize`), hands the result to the store as one `replace`, then
/// watches from the list's resourceVersion with bookmarks on. When a watch ends (the server's
/// `timeoutSeconds`, a dropped connection) it watches again from the last resourceVersion it saw, so no
/// change is missed and nothing is listed twice. When that resourceVersion has been compacted away (HTTP
/// 410, or an ERROR event carrying a 410 Status) it relists from the current state. Any other failure
/// relists after an exponential backoff with jitter. It runs until its task is cancelled.
public final class Reflector: Sendable {
    public let resource: ResourcePath
    public let labelSelector: String?
    public let fieldSelector: String?
    /// Items per list page; 0 lists everything in one request.
    public let pageSize: Int
    /// Watches ask the server to end them after a random time in `minWatchTimeout ..< 2 * minWatchTimeout`
    /// (upstream: 5 minutes), so that connections are rebalanced and a silent dead connection is noticed.
    public let minWatchTimeout: Duration
    let client: KubeClient
    let store: any ReflectorStore
    /// Applied to every listed and watched object before the store sees it.
    let transform: ObjectTransform?
    let backoff: Backoff
    let logger: Logger
    let state = Mutex(State())

    struct State {
        var lastSyncResourceVersion = ""
        /// Set when the server said our resourceVersion is too old (410) or too new: relist from "".
        var lastSyncResourceVersionUnavailable = false
        var lists = 0
        var watches = 0
    }

    public init(
        client: KubeClient, resource: ResourcePath, labelSelector: String? = nil, fieldSelector: String? = nil,
        store: any ReflectorStore, pageSize: Int = 500, minWatchTimeout: Duration = .seconds(300),
        backoff: Backoff = .reflectorDefault, transform: ObjectTransform? = nil, logger: Logger? = nil
    ) {
        self.transform = transform
        self.client = client
        self.resource = resource
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.store = store
        self.pageSize = max(pageSize, 0)
        self.minWatchTimeout = minWatchTimeout
        self.backoff = backoff
        self.logger = logger ?? Logger(label: "reflector")
    }

    /// A name for logs: `pods` or `deployments.apps`, with the namespace when there is one.
    public var name: String {
        let r = resource.group.isEmpty ? resource.resource : "\(resource.resource).\(resource.group)"
        return resource.namespace.map { "\($0)/\(r)" } ?? r
    }

    /// The resourceVersion of the last list, event or bookmark the store was brought up to.
    public var lastSyncResourceVersion: String { state.withLock { $0.lastSyncResourceVersion } }

    /// How many lists (including relists) have completed; lets tests and metrics see relists happen.
    public var listCount: Int { state.withLock { $0.lists } }

    /// How many watches have been opened.
    public var watchCount: Int { state.withLock { $0.watches } }

    /// Lists and watches until the task is cancelled, starting over after failures.
    public func run() async {
        var backoff = self.backoff
        while !Task.isCancelled {
            do {
                try await listAndWatch()
            } catch let e as APIError where Self.isExpired(e) {
                // Routine: history was compacted past us; the relist below catches up.
                logger.info("\(name): watch closed with: \(e.message)")
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(name): list and watch failed: \(error)")
            }
            // As upstream (BackoffUntil, sliding): every return is followed by a backoff, which stays at
            // its start value as long as failures are rare.
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }

    // MARK: List

    /// The resourceVersion to relist at: "0" (any) the first time, the last one seen after a watch
    /// failure, and "" (the latest, read from storage) once the last one is known to be unavailable.
    func relistResourceVersion() -> String {
        state.withLock { s in
            if s.lastSyncResourceVersionUnavailable { return "" }
            return s.lastSyncResourceVersion.isEmpty ? "0" : s.lastSyncResourceVersion
        }
    }

    func selectorQuery() -> [String: String] {
        var q: [String: String] = [:]
        if let labelSelector, !labelSelector.isEmpty { q["labelSelector"] = labelSelector }
        if let fieldSelector, !fieldSelector.isEmpty { q["fieldSelector"] = fieldSelector }
        return q
    }

    func list() async throws {
        var result: (items: [JSON], resourceVersion: String)
        do {
            result = try await pagedList(resourceVersion: relistResourceVersion())
        } catch let e as APIError where Self.isExpired(e) || Self.isTooLargeResourceVersion(e) {
            // The resourceVersion we listed at is gone (or not reached yet): list the latest instead.
            state.withLock { $0.lastSyncResourceVersionUnavailable = true }
            result = try await pagedList(resourceVersion: relistResourceVersion())
        }
        try Task.checkCancellation()
        if let transform { result.items = result.items.map(transform) }
        store.replace(result.items, resourceVersion: result.resourceVersion)
        state.withLock { s in
            s.lastSyncResourceVersion = result.resourceVersion
            s.lastSyncResourceVersionUnavailable = false
            s.lists += 1
        }
    }

    /// Lists in pages; when a continue token expires half way, lists everything in one request instead
    /// (client-go's pager with `FullListIfExpired`).
    func pagedList(resourceVersion: String) async throws -> (items: [JSON], resourceVersion: String) {
        var query = selectorQuery()
        if !resourceVersion.isEmpty { query["resourceVersion"] = resourceVersion }
        var items: [JSON] = []
        var continueToken: String? = nil
        while true {
            var q = query
            if pageSize > 0 { q["limit"] = String(pageSize) }
            if let continueToken {
                // The token pins the revision; the server refuses a resourceVersion beside it.
                q["continue"] = continueToken
                q["resourceVersion"] = nil
            }
            let page: JSON
            do {
                page = try await client.list(resource, query: q)
            } catch let e as APIError where continueToken != nil && Self.isExpired(e) {
                let full = try await client.list(resource, query: query)
                return try Self.itemsAndVersion(full)
            }
            let (pageItems, rv) = try Self.itemsAndVersion(page)
            items.append(contentsOf: pageItems)
            guard let next = page[path: ["metadata", "continue"]]?.string, !next.isEmpty else {
                return (items, rv)
            }
            continueToken = next
        }
    }

    static func itemsAndVersion(_ list: JSON) throws -> ([JSON], String) {
        guard let items = list["items"]?.array ?? (list["items"]?.isNull == true ? [] : nil) else {
            throw ReflectorError.unexpectedObject("list response has no items: \(String(list.jsonString.prefix(200)))")
        }
        guard let rv = list[path: ["metadata", "resourceVersion"]]?.string else {
            throw ReflectorError.unexpectedObject("list response has no resourceVersion")
        }
        return (items, rv)
    }

    // MARK: Watch

    func listAndWatch() async throws {
        try await list()
        var retryBackoff = self.backoff
        while true {
            try Task.checkCancellation()
            let started = ContinuousClock.now
            var events = 0
            let seconds = Self.watchTimeoutSeconds(minWatchTimeout)
            var q = selectorQuery()
            q["timeoutSeconds"] = String(seconds)
            state.withLock { $0.watches += 1 }
            let stream = client.watch(resource, resourceVersion: lastSyncResourceVersion, query: q)
            do {
                for try await event in stream {
                    try handle(event)
                    events += 1
                }
            } catch let e as APIError {
                if Self.isExpired(e) {
                    // Our resourceVersion was compacted away: only a relist can catch up.
                    state.withLock { $0.lastSyncResourceVersionUnavailable = true }
                    throw e
                }
                if e.code == 429 || (e.code == 504 && !Self.isTooLargeResourceVersion(e)) {
                    // The server asked us to slow down: wait, then watch again from where we were.
                    try await Task.sleep(for: retryBackoff.next())
                    continue
                }
                if Self.isTooLargeResourceVersion(e) {
                    state.withLock { $0.lastSyncResourceVersionUnavailable = true }
                }
                throw e
            } catch let e as ReflectorError {
                throw e
            } catch {
                // The connection failed or dropped. Upstream re-watches from the last resourceVersion
                // (after a backoff when it could not even connect); a 410 then tells us if that is too old.
                try Task.checkCancellation()
                if events == 0 {
                    logger.debug("\(name): watch failed: \(error)")
                    try await Task.sleep(for: retryBackoff.next())
                }
                continue
            }
            try Task.checkCancellation()
            if events == 0 && ContinuousClock.now - started < .seconds(1) {
                throw ReflectorError.veryShortWatch(name)
            }
            retryBackoff.reset()
        }
    }

    /// A random timeout in `min ..< 2*min` whole seconds (at least 1).
    static func watchTimeoutSeconds(_ min: Duration) -> Int64 {
        let base = Swift.max(min.components.seconds, 1)
        return base + Int64.random(in: 0..<base)
    }

    func handle(_ event: WatchEvent) throws {
        var object = event.object
        if event.type == "ERROR" {
            throw Self.statusError(object)
        }
        if let transform, event.type != "BOOKMARK" { object = transform(object) }
        guard object.isObject else {
            throw ReflectorError.unexpectedObject("\(name): unable to understand watch event of type \(event.type)")
        }
        let rv = object[path: ["metadata", "resourceVersion"]]?.string ?? ""
        switch event.type {
        case "ADDED": store.add(object)
        case "MODIFIED": store.update(object)
        case "DELETED": store.delete(object)
        case "BOOKMARK": break
        default:
            throw ReflectorError.unexpectedObject("\(name): unable to understand watch event of type \(event.type)")
        }
        if !rv.isEmpty { state.withLock { $0.lastSyncResourceVersion = rv } }
    }

    /// The error an ERROR event's Status stands for.
    static func statusError(_ status: JSON) -> APIError {
        APIError(
            code: Int(status["code"]?.int ?? 500), reason: status["reason"]?.string ?? "",
            message: status["message"]?.string ?? "", details: status["details"])
    }

    /// 410 with reason Expired or Gone: the resourceVersion or continue token is too old.
    static func isExpired(_ e: APIError) -> Bool {
        e.code == 410 || e.reason == "Expired" || e.reason == "Gone"
    }

    /// The server has not reached the resourceVersion we asked for (504 with cause ResourceVersionTooLarge).
    static func isTooLargeResourceVersion(_ e: APIError) -> Bool {
        guard e.code == 504 else { return false }
        return e.details?["causes"]?.array?.contains { $0["reason"]?.string == "ResourceVersionTooLarge" } ?? false
    }
}
