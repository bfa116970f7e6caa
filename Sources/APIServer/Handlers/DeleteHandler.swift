import APIMachinery
import Foundation
import Registry

/// DELETE of one object or a collection: preconditions, graceful pod deletion, finalizers, namespaces.
extension APIHandler {
    /// `DeleteOptions` from the body or the query.
    struct DeleteOptions {
        var gracePeriodSeconds: Int64?
        var propagationPolicy: String?
        var preconditionUID: String?
        var preconditionRV: String?

        init(_ request: APIRequest) throws {
            if !request.body.isEmpty, let body = try? JSON.parse(request.body), body.isObject {
                request.audit?.logRequestObject(body, isPatch: false)
                gracePeriodSeconds = body["gracePeriodSeconds"]?.int
                propagationPolicy = body["propagationPolicy"]?.string
                if body["orphanDependents"]?.bool == true { propagationPolicy = "Orphan" }
                preconditionUID = body[path: ["preconditions", "uid"]]?.string
                preconditionRV = body[path: ["preconditions", "resourceVersion"]]?.string
            } else if !request.body.isEmpty {
                throw APIError.badRequest("the body of a delete request must be DeleteOptions")
            }
            if let g = request.query["gracePeriodSeconds"], let n = Int64(g) { gracePeriodSeconds = n }
            if let p = request.query["propagationPolicy"] { propagationPolicy = p }
            if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
                throw APIError.invalid(kind: "DeleteOptions", name: "", group: "", errors: [
                    .notSupported("propagationPolicy", p, supported: ["Foreground", "Background", "Orphan", "nil"]),
                ])
            }
        }
    }

    func delete(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        let options = try DeleteOptions(ctx.request)
        let result = try await deleteObject(ctx, name: name, options: options)
        return try respond(ctx, object: result)
    }

    /// Deletes now, or starts a graceful/finalized deletion; returns the object as the client should see it.
    func deleteObject(_ ctx: RequestContext, name: String, options: DeleteOptions) async throws -> JSON {
        var admitted = false
        for _ in 0..<16 {
            let current = try await ctx.store.get(namespace: ctx.namespace, name: name)
            if !admitted {
                // Admission sees the object as it was when the delete arrived; a retry after a conflict does not ask again.
                try await admitDeleteWebhooks(ctx, current)
                admitted = true
            }
            if let uid = options.preconditionUID, uid != current.metaUID {
                throw APIError.conflict(ctx.info.qualifiedResource, name: name, group: ctx.info.group, resource: ctx.info.resource,
                                        detail: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current.metaUID ?? "")")
            }
            if let rv = options.preconditionRV, rv != current.metaResourceVersion {
                throw APIError.conflict(ctx.info.qualifiedResource, name: name, group: ctx.info.group, resource: ctx.info.resource,
                                        detail: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(current.metaResourceVersion ?? "")")
            }
            let rv = Int64(current.metaResourceVersion ?? "") ?? 0
            var next = current
            var finalizers = current.metaFinalizers
            switch options.propagationPolicy {
            case "Foreground": if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            case "Orphan": if !finalizers.contains("orphan") { finalizers.append("orphan") }
            default: break
            }
            // A CRD goes only after its custom resources: the finalizer controller empties it first.
            if ctx.info.group == "apiextensions.k8s.io", ctx.info.resource == "customresourcedefinitions", current.metaDeletionTimestamp == nil,
               !finalizers.contains(CustomResourceDefinitionController.cleanupFinalizer) {
                finalizers.append(CustomResourceDefinitionController.cleanupFinalizer)
                var conditions = current[path: ["status", "conditions"]]?.array ?? []
                conditions.removeAll { $0["type"]?.string == "Terminating" }
                conditions.append(["type": "Terminating", "status": "True", "lastTransitionTime": .string(RFC3339.time()),
                                   "reason": "InstanceDeletionPending",
                                   "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"])
                next[path: ["status", "conditions"]] = .array(conditions)
            }
            let graceful = gracePeriod(ctx, current, options)
            let isNamespace = ctx.info.resource == "namespaces" && ctx.info.group.isEmpty
            let needsWait = !finalizers.isEmpty || graceful != nil || isNamespace
            if !needsWait {
                if ctx.request.isDryRun { return current }
                do {
                    let deleted = try await ctx.store.delete(namespace: ctx.namespace, name: name, expectedRevision: rv)
                    await releaseAllocations(ctx.info, deleted)
                    return deleted
                } catch let e as APIError where e.reason == "Conflict" {
                    continue
                }
            }
            // Deletion that waits: mark it, let finalizers / the kubelet / the namespace cleaner finish.
            if current.metaDeletionTimestamp == nil {
                let grace = graceful ?? 0
                next[path: ["metadata", "deletionTimestamp"]] = .string(RFC3339.time(Date().addingTimeInterval(Double(grace))))
                next[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
            } else if let g = graceful, let old = current[path: ["metadata", "deletionGracePeriodSeconds"]]?.int, g < old {
                // A shorter grace period may replace a longer one, never the other way round.
                next[path: ["metadata", "deletionTimestamp"]] = .string(RFC3339.time(Date().addingTimeInterval(Double(g))))
                next[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(g)
            }
            next[path: ["metadata", "finalizers"]] = finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) })
            if isNamespace { next[path: ["status", "phase"]] = "Terminating" }
            if next == current { return current }
            if ctx.request.isDryRun { return next }
            do {
                let updated = try await ctx.store.update(next, expectedRevision: rv)
                if isNamespace { namespaceCleanup.kick() }
                return updated
            } catch let e as APIError where e.reason == "Conflict" {
                continue
            }
        }
        throw ctx.store.conflict(name)
    }

    /// The grace period a pod deletion waits for its kubelet, or nil when it can go at once (upstream's
    /// `CheckGracefulDelete` for pods: unscheduled or finished pods go immediately).
    func gracePeriod(_ ctx: RequestContext, _ pod: JSON, _ options: DeleteOptions) -> Int64? {
        guard ctx.info.resource == "pods", ctx.info.group.isEmpty else { return nil }
        var grace = options.gracePeriodSeconds ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.int ?? 30
        if grace < 0 { grace = 0 }
        let node = pod[path: ["spec", "nodeName"]]?.string ?? ""
        let phase = pod[path: ["status", "phase"]]?.string ?? ""
        if node.isEmpty || phase == "Succeeded" || phase == "Failed" { return nil }
        if grace == 0 && options.gracePeriodSeconds == 0 && pod.metaFinalizers.isEmpty {
            return nil
        }
        return grace
    }

    /// Removes an object whose deletion was waiting, once nothing holds it any more.
    @discardableResult
    func finishDeletionIfReady(_ ctx: RequestContext, _ object: JSON) async throws -> Bool {
        guard object.metaDeletionTimestamp != nil, object.metaFinalizers.isEmpty else { return false }
        // A pod waits for its kubelet, unless its grace period is already 0 (upstream's
        // `shouldDeleteDuringUpdate`): a finished Job pod whose last finalizer goes is removed at once.
        if ctx.info.resource == "pods", ctx.info.group.isEmpty,
           (object[path: ["metadata", "deletionGracePeriodSeconds"]]?.int ?? 0) != 0 { return false }
        if ctx.info.resource == "namespaces", !(object[path: ["spec", "finalizers"]]?.array ?? []).isEmpty { return false }
        let rv = Int64(object.metaResourceVersion ?? "") ?? 0
        do {
            let deleted = try await ctx.store.delete(namespace: object.metaNamespace, name: object.metaName ?? "", expectedRevision: rv)
            await releaseAllocations(ctx.info, deleted)
            return true
        } catch let e as APIError where e.code == 409 || e.code == 404 {
            return false
        }
    }

    func deleteCollection(_ ctx: RequestContext) async throws -> APIResponse {
        let options = try DeleteOptions(ctx.request)
        let q = ctx.request.query
        let filter = try Adapters.filter(labelSelector: q["labelSelector"], fieldSelector: q["fieldSelector"], strategy: ctx.strategy)
        let page = try await ctx.store.list(namespace: ctx.ri.namespace, filter: filter, limit: 0, continueToken: nil, revision: nil)
        var deleted: [JSON] = []
        for item in page.items {
            do {
                deleted.append(try await deleteObject(ctx, name: item.metaName ?? "", options: options))
            } catch let e as APIError where e.code == 404 {
                continue
            }
        }
        let list: JSON = [
            "kind": .string(ctx.info.listKind), "apiVersion": .string(ctx.info.apiVersion),
            "metadata": ["resourceVersion": .string(String(try await kv.currentRevision()))],
            "items": .array(deleted.map { withTypeMeta($0, ctx.info) }),
        ]
        return .json(list)
    }
}
