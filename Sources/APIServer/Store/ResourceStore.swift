import APIMachinery
import Foundation
import Registry
import Storage

/// Objects of one resource in the key-value store: key layout, resourceVersion stamping, optimistic
/// concurrency and paging. Upstream's generic registry `Store` without the request-level policy (defaulting,
/// validation and admission stay in the handlers).
///
/// Objects are stored without `metadata.resourceVersion`; it is the key's mod-revision, stamped on read, so
/// the store revision and the API's resourceVersion are one number.
struct ResourceStore: Sendable {
    let info: ResourceInfo
    let kv: any KeyValueStore
    /// Set for a custom resource: its storage version and read-time defaulting.
    var custom: CustomResourceCodec? = nil

    /// `/registry/pods/` or `/registry/deployments.apps/`.
    /// Versions sharing one storage (autoscaling v1 and v2, core and events.k8s.io events) share the prefix.
    var resourcePrefix: String { "/registry/\(StorageVersions.storageResource(info))/" }

    /// The prefix of all objects in `namespace`, or of all objects when nil.
    func prefix(namespace: String?) -> String {
        guard info.namespaced, let namespace else { return resourcePrefix }
        return resourcePrefix + namespace + "/"
    }

    func key(namespace: String?, name: String) -> String {
        info.namespaced ? resourcePrefix + (namespace ?? "") + "/" + name : resourcePrefix + name
    }

    func decode(_ kv: KeyValue) throws -> JSON {
        let parsed = try JSON.parse(kv.value)
        var obj = custom.map { $0.fromStorage(parsed) } ?? StorageVersions.fromStorage(parsed, info)
        obj.metaResourceVersion = String(kv.modRevision)
        return obj
    }

    func encode(_ object: JSON) -> Data {
        var o = custom.map { $0.toStorage(object) } ?? StorageVersions.toStorage(object, info)
        o[path: ["metadata", "resourceVersion"]] = nil
        return o.serialized()
    }

    /// What a read would give back for `object`: itself, or for a resource stored in another version, its
    /// stored form converted back (fields the storage fills show up at once).
    func roundTripped(_ object: JSON) -> JSON {
        if let custom { return custom.fromStorage(custom.toStorage(object)) }
        return StorageVersions.isAlias(info) ? StorageVersions.fromStorage(StorageVersions.toStorage(object, info), info) : object
    }

    func notFound(_ name: String) -> APIError {
        .notFound(info.qualifiedResource, name: name, group: info.group, resource: info.resource)
    }

    func conflict(_ name: String) -> APIError {
        .conflict(info.qualifiedResource, name: name, group: info.group, resource: info.resource)
    }

    // MARK: Reads

    func get(namespace: String?, name: String) async throws -> JSON {
        guard let found = try await mapStorageErrors(name: name, { try await kv.get(key(namespace: namespace, name: name), revision: nil) }) else {
            throw notFound(name)
        }
        return try decode(found)
    }

    func getIfExists(namespace: String?, name: String) async throws -> JSON? {
        guard let found = try await mapStorageErrors(name: name, { try await kv.get(key(namespace: namespace, name: name), revision: nil) }) else {
            return nil
        }
        return try decode(found)
    }

    struct ListPage: Sendable {
        var items: [JSON]
        var revision: Int64
        var continueToken: String?
    }

    /// Lists objects matching `filter`, at most `limit` of them (0: all), resuming at `continueToken`, read at
    /// `revision` (nil: current).
    func list(
        namespace: String?, filter: (@Sendable (JSON) -> Bool)?, limit: Int, continueToken: String?,
        revision: Int64?
    ) async throws -> ListPage {
        let prefix = prefix(namespace: namespace)
        var startKey: String? = nil
        var atRevision = revision
        if let continueToken, !continueToken.isEmpty {
            let token = try ContinueToken(decoding: continueToken)
            guard token.startKey.hasPrefix(prefix) || prefix.hasPrefix(token.startKey) else {
                throw APIError.badRequest("continue key is not valid: key does not match the list")
            }
            startKey = token.startKey
            atRevision = token.revision
        }
        var items: [JSON] = []
        var readAt: Int64 = 0
        while true {
            // Fetch a bit more than asked when filtering, to need fewer round trips.
            let want = limit > 0 ? (filter == nil ? limit - items.count : max(limit - items.count, 64)) : 0
            let page = try await mapStorageErrors(name: "", isContinue: continueToken != nil) {
                try await kv.range(prefix: prefix, startKey: startKey, revision: atRevision, limit: want == 0 ? nil : want + 1)
            }
            readAt = page.revision
            atRevision = page.revision
            var lastKey: String? = nil
            for entry in page.items {
                if limit > 0, items.count == limit {
                    // There is at least this one more key: resume from it.
                    return ListPage(items: items, revision: readAt, continueToken: ContinueToken(revision: readAt, startKey: entry.key).encoded)
                }
                lastKey = entry.key
                let obj = try decode(entry)
                if let filter, !filter(obj) { continue }
                items.append(obj)
            }
            guard page.more, let lastKey else { break }
            startKey = lastKey + "\u{0}"
            if limit > 0, items.count == limit {
                return ListPage(items: items, revision: readAt, continueToken: ContinueToken(revision: readAt, startKey: startKey!).encoded)
            }
        }
        return ListPage(items: items, revision: readAt, continueToken: nil)
    }

    // MARK: Writes

    func create(_ object: JSON) async throws -> JSON {
        let name = object.metaName ?? ""
        let stored = try await mapStorageErrors(name: name) {
            try await kv.create(key(namespace: object.metaNamespace, name: name), value: encode(object))
        }
        var out = roundTripped(object)
        out.metaResourceVersion = String(stored.modRevision)
        return out
    }

    /// Writes `object` over the existing one whose resourceVersion was `expectedRevision`.
    func update(_ object: JSON, expectedRevision: Int64) async throws -> JSON {
        let name = object.metaName ?? ""
        let stored = try await mapStorageErrors(name: name) {
            try await kv.update(key(namespace: object.metaNamespace, name: name), value: encode(object), expectedModRevision: expectedRevision)
        }
        var out = roundTripped(object)
        out.metaResourceVersion = String(stored.modRevision)
        return out
    }

    /// Removes the object whose resourceVersion was `expectedRevision`; returns it with the delete's revision.
    func delete(namespace: String?, name: String, expectedRevision: Int64?) async throws -> JSON {
        let removed = try await mapStorageErrors(name: name) {
            try await kv.delete(key(namespace: namespace, name: name), expectedModRevision: expectedRevision)
        }
        return try decode(removed)
    }

    /// Read-modify-write with optimistic concurrency (upstream's `GuaranteedUpdate`): `mutate` gets the
    /// current object and returns the new one, or nil to leave it as it is. Retried on a conflict unless
    /// `retryOnConflict` is false (the caller asked for a specific resourceVersion).
    func guaranteedUpdate(
        namespace: String?, name: String, retryOnConflict: Bool = true,
        _ mutate: (JSON) async throws -> JSON?
    ) async throws -> (object: JSON, changed: Bool) {
        for attempt in 0..<16 {
            let current = try await get(namespace: namespace, name: name)
            guard var next = try await mutate(current) else { return (current, false) }
            let rv = Int64(current.metaResourceVersion ?? "") ?? 0
            next.metaResourceVersion = nil
            var cmp = current
            cmp.metaResourceVersion = nil
            if next == cmp {
                let stale = try await storedValueIsStale(namespace: namespace, name: name)
                if !stale { return (current, false) }
            }
            do {
                return (try await update(next, expectedRevision: rv), true)
            } catch let e as APIError where e.code == 409 && e.reason == "Conflict" && retryOnConflict && attempt < 15 {
                continue
            }
        }
        throw conflict(name)
    }

    /// Whether the stored value was written by other than today's encryption provider and key: then even
    /// an unchanged update writes, which re-encrypts it (upstream's stale transform in `GuaranteedUpdate`).
    func storedValueIsStale(namespace: String?, name: String) async throws -> Bool {
        guard let reporting = kv as? any StaleValueReporting else { return false }
        return try await mapStorageErrors(name: name) { try await reporting.isStale(key(namespace: namespace, name: name)) }
    }

    // MARK: Errors

    func mapStorageErrors<T>(name: String, isContinue: Bool = false, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as StorageError {
            throw apiError(for: e, name: name, isContinue: isContinue)
        } catch let e as ValueTransformError {
            // A value that does not decrypt (wrong or dropped key, tampered bytes): upstream's storage
            // InternalError, never the bytes themselves.
            throw APIError.internalError(e.message)
        }
    }

    func apiError(for e: StorageError, name: String, isContinue: Bool = false) -> APIError {
        switch e {
        case .keyExists:
            return .alreadyExists(info.qualifiedResource, name: name, group: info.group, resource: info.resource)
        case .notFound:
            return notFound(name)
        case .conflict:
            return conflict(name)
        case .compacted(let requested, let compacted):
            if isContinue {
                return .expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
            return .expired("The resourceVersion for the provided list is too old (requested \(requested), compacted at \(compacted)).")
        case .futureRevision(let requested, let current):
            return APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(requested), current: \(current)",
                            details: ["causes": [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]], "retryAfterSeconds": 1])
        case .watcherTooSlow:
            return .gone("watch closed: client too slow")
        case .unavailable(let why):
            return .serviceUnavailable("storage is unavailable: \(why)")
        }
    }
}
