import Foundation

/// The ownership bookkeeping shared by apply and by ordinary writes (upstream's `merge.Updater` and the
/// field-manager layers wrapped around it). Everything here works on objects without `managedFields`.
enum FieldOwnership {
    /// Paths never recorded as anyone's: type and identity metadata the server sets (`stripMetaManager`).
    static let neverOwned = FieldSet([
        [.field("apiVersion")], [.field("kind")], [.field("metadata")],
        [.field("metadata"), .field("name")], [.field("metadata"), .field("namespace")],
        [.field("metadata"), .field("creationTimestamp")], [.field("metadata"), .field("selfLink")],
        [.field("metadata"), .field("uid")], [.field("metadata"), .field("clusterName")],
        [.field("metadata"), .field("generation")], [.field("metadata"), .field("managedFields")],
        [.field("metadata"), .field("resourceVersion")],
    ])

    /// Update managers kept before the oldest are folded into `ancient-changes` (`capManagersManager`).
    static let maxUpdateManagers = 10

    struct Context {
        let type: FieldType
        let apiVersion: String
        let subresource: String?
        let ignored: FieldSet
        let now: String
    }

    /// Compares `old` with `new` and moves ownership accordingly (upstream's `Updater.update`): managers
    /// other than `workflow` owning a changed or added field conflict; unless `force`, that throws; with
    /// `force` they lose those fields. Every other manager loses removed fields. Returns the comparison,
    /// without the ignored fields.
    @discardableResult
    static func settle(
        old: JSON, new: JSON, managers: inout ManagedFields, workflow: String, force: Bool, _ ctx: Context
    ) throws -> ObjectComparison {
        let cmp = try ObjectComparison(old: old, new: new, type: ctx.type).excluding(ctx.ignored)
        let changed = cmp.modified.union(cmp.added)
        var conflicts: [(owner: ManagedFieldsEntry, fields: FieldSet)] = []
        for (id, entry) in managers.entries where id != workflow {
            let c = entry.fields.intersection(changed)
            if !c.isEmpty { conflicts.append((entry, c)) }
        }
        if !force && !conflicts.isEmpty {
            throw ApplyConflictError(sets: conflicts.map {
                var owner = $0.owner
                owner.fields = FieldSet()
                return (owner, $0.fields)
            })
        }
        for (owner, fields) in conflicts {
            managers[owner.identifier]?.fields = owner.fields.subtracting(fields)
        }
        if !cmp.removed.isEmpty {
            for (id, entry) in managers.entries where id != workflow {
                managers[id]?.fields = entry.fields.subtracting(cmp.removed)
            }
        }
        managers.removeEmpty()
        return cmp
    }

    /// A non-apply write by `manager`: it takes the fields it changed or added, merged into its earlier
    /// entry for the same version and subresource, stamped `now`; nothing changes (not even the time)
    /// when the write changed nothing.
    static func recordWrite(old: JSON, new: JSON, managers: inout ManagedFields, manager: String, _ ctx: Context) throws {
        // The operation runs under a placeholder name so the manager's own earlier entry is treated like
        // anyone else's, then the two are merged (`managedFieldsUpdater`).
        let current = "current-operation"
        let cmp = try settle(old: old, new: new, managers: &managers, workflow: current, force: true, ctx)
        let taken = cmp.modified.union(cmp.added).subtracting(cmp.removed)
            .subtractingRecursively(ctx.ignored).subtracting(neverOwned)
        if !taken.isEmpty {
            let id = ManagedFieldsEntry.identifier(
                manager: manager, operation: "Update", apiVersion: ctx.apiVersion, subresource: ctx.subresource)
            let previous = managers[id]?.fields ?? FieldSet()
            managers[id] = ManagedFieldsEntry(
                manager: manager, operation: "Update", apiVersion: ctx.apiVersion, time: ctx.now,
                subresource: ctx.subresource, fields: previous.union(taken))
        }
        capUpdateManagers(&managers)
    }

    /// Upstream's `Updater.Apply`: merge, record the applier's new set, prune what it stopped applying,
    /// settle ownership. Returns the new object, or nil when it equals `live`.
    static func apply(
        live: JSON, config: JSON, managers: inout ManagedFields, applier: ManagedFieldsEntry, force: Bool, _ ctx: Context
    ) throws -> JSON? {
        var merged = try ObjectMerge.merge(live, config, ctx.type, path: []) ?? .object([:])
        let id = applier.identifier
        let last = managers[id]?.fields
        var entry = applier
        entry.time = managers[id]?.time
        entry.fields = try FieldSet.checked(config, type: ctx.type).subtractingRecursively(ctx.ignored)
        managers[id] = entry
        if let last, !last.isEmpty {
            merged = ObjectMerge.prune(merged, ctx.type, last: last, owned: managers.allFields)
        }
        try settle(old: live, new: merged, managers: &managers, workflow: id, force: force, ctx)
        if JSON.structurallyEqual(live, merged) { return nil }
        return ObjectMerge.droppingNewNulls(merged, live: live, ctx.type)
    }

    /// Folds the oldest update entries into one `ancient-changes` entry per version until at most
    /// `maxUpdateManagers` update entries remain.
    static func capUpdateManagers(_ managers: inout ManagedFields) {
        var updaters = managers.entries.filter { !$0.value.isApply }.map(\.key)
        guard updaters.count > maxUpdateManagers else { return }
        updaters.sort { a, b in
            let (ta, tb) = (ManagedFields.seconds(managers[a]?.time), ManagedFields.seconds(managers[b]?.time))
            return ta != tb ? ta < tb : GoText.goLess(a, b)
        }
        var firstOfVersion: [String: String] = [:]
        var remaining = updaters.count
        for id in updaters where remaining > maxUpdateManagers {
            guard let entry = managers[id] else { continue }
            let version = entry.apiVersion
            let bucket = ManagedFieldsEntry.identifier(
                manager: "ancient-changes", operation: "Update", apiVersion: version, subresource: nil)
            guard let first = firstOfVersion[version] else {
                firstOfVersion[version] = id
                continue
            }
            if id == bucket { continue }
            if managers[bucket] == nil, let moved = managers[first] {
                managers[first] = nil
                managers[bucket] = ManagedFieldsEntry(
                    manager: "ancient-changes", operation: "Update", apiVersion: version, time: moved.time,
                    fields: moved.fields)
            }
            let merged = entry.fields.union(managers[bucket]?.fields ?? FieldSet())
            managers[bucket] = ManagedFieldsEntry(
                manager: "ancient-changes", operation: "Update", apiVersion: version, time: entry.time, fields: merged)
            managers[id] = nil
            remaining -= 1
        }
    }
}
