import APIMachinery
import Client
import Foundation

/// A DaemonSet's ControllerRevisions (upstream's `constructHistory`, `snapshot`, `dedupCurHistories`
/// and `cleanupHistory`). Each is named `<ds>-<pod-template-hash>` and labelled
/// `controller-revision-hash`; pods carry the same label, which is how a pod is known to be up to date.
extension DaemonSetController {
    /// (current revision, old revisions): the revision matching the template is renumbered to be the
    /// newest, or created.
    func constructHistory(_ ds: JSON, selector: LabelSelector) async throws -> (JSON, [JSON]) {
        let path = ResourcePath.controllerrevisions.inNamespace(ds.namespace)
        let inNamespace = (try? revisions.store.byIndex(Indexer.namespaceIndex, ds.namespace)) ?? []
        let owned = try await ControllerRefManager(
            client: client, resource: .controllerrevisions, owner: ds, ownerKind: Self.kind, ownerAPIVersion: Self.apiVersion,
            matches: { selector.matches($0.labels) }, logger: logger
        ).claim(inNamespace)
        let patch = TemplatePatch.of(ds)
        var current: [JSON] = []
        var old: [JSON] = []
        for var r in owned {
            if r.labels[Self.revisionLabel] == nil {
                r[path: ["metadata", "labels", Self.revisionLabel]] = .string(r.name)
                r = try await client.update(path, r)
            }
            if Semantic.equal(r["data"], patch) { current.append(r) } else { old.append(r) }
        }
        let next = (old.map(ControllerHistory.number).max() ?? 0) + 1
        if current.isEmpty {
            return (try await snapshot(ds, revision: next), old)
        }
        var cur = try await dedup(ds, current)
        if ControllerHistory.number(cur) < next {
            cur = try await RevisionHistory(client: client).renumber(cur, to: next)
        }
        return (cur, old)
    }

    /// Creates the revision of the current template. A name held by other data is a hash collision: the
    /// collision count goes up (so the next hash differs) and the sync is retried.
    func snapshot(_ ds: JSON, revision: Int64) async throws -> JSON {
        let path = ResourcePath.controllerrevisions.inNamespace(ds.namespace)
        let collisionCount = ds[path: ["status", "collisionCount"]]?.int
        let hash = PodTemplateHash.compute(ds[path: ["spec", "template"]] ?? [:], collisionCount: collisionCount)
        var labels = ds[path: ["spec", "template", "metadata", "labels"]]?.stringMap ?? [:]
        labels[Self.revisionLabel] = hash
        var meta: JSON = [
            "name": .string("\(ds.name)-\(hash)"), "namespace": .string(ds.namespace), "labels": .from(labels),
            "ownerReferences": [OwnerReference.controller(of: ds, apiVersion: Self.apiVersion, kind: Self.kind).json],
        ]
        if !ds.annotations.isEmpty { meta["annotations"] = .from(ds.annotations) }
        let history: JSON = ["apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": meta,
                             "data": TemplatePatch.of(ds), "revision": .int(revision)]
        do {
            return try await client.create(path, history)
        } catch let e as APIError where e.code == 409 && e.reason == "AlreadyExists" {
            let existing = try await client.get(path, history.name)
            if Semantic.equal(existing["data"], history["data"]) { return existing }
            var live = try await client.get(.daemonsets.inNamespace(ds.namespace), ds.name)
            if live[path: ["status", "collisionCount"]]?.int != collisionCount {
                throw APIError.internalError("found a stale collision count (\(collisionCount ?? 0), expected \(live[path: ["status", "collisionCount"]]?.int ?? 0)) of DaemonSet \"\(ds.name)\" while processing; will retry until it is updated")
            }
            live[path: ["status", "collisionCount"]] = .int((collisionCount ?? 0) + 1)
            _ = try await client.update(.daemonsets.inNamespace(ds.namespace), live, subresource: "status")
            throw e
        }
    }

    /// Several revisions with the current template: keep the newest, move its pods' labels onto it and
    /// delete the others.
    func dedup(_ ds: JSON, _ revisions: [JSON]) async throws -> JSON {
        guard revisions.count > 1 else { return revisions[0] }
        let keep = revisions.max { ControllerHistory.number($0) < ControllerHistory.number($1) }!
        let keepHash = keep.labels[Self.revisionLabel] ?? ""
        for dup in revisions where dup.name != keep.name {
            let dupHash = dup.labels[Self.revisionLabel] ?? ""
            let inNamespace = (try? pods.store.byIndex(Indexer.namespaceIndex, ds.namespace)) ?? []
            for pod in inNamespace where pod.controllerRef?.uid == ds.uid && pod.labels[Self.revisionLabel] == dupHash {
                try await client.patch(.pods.inNamespace(ds.namespace), pod.name, ["metadata": ["labels": .object([Self.revisionLabel: .string(keepHash)])]])
            }
            try await RevisionHistory(client: client).delete(dup)
        }
        return keep
    }

    /// Deletes the oldest revisions beyond `revisionHistoryLimit` that no pod runs.
    func cleanupHistory(_ ds: JSON, old: [JSON], selector: LabelSelector) async throws {
        let limit = Int(ds.integer(at: ["spec", "revisionHistoryLimit"], default: 10))
        var toKill = old.count - limit
        guard toKill > 0 else { return }
        let byNode = try await nodesToDaemonPods(ds, selector: selector)
        var live = Set<String>()
        for pods in byNode.values { for p in pods { if let h = p.labels[Self.revisionLabel], !h.isEmpty { live.insert(h) } } }
        for r in ControllerHistory.sorted(old) {
            if toKill <= 0 { break }
            if let h = r.labels[Self.revisionLabel], live.contains(h) { continue }
            try await RevisionHistory(client: client).delete(r)
            toKill -= 1
        }
    }
}
