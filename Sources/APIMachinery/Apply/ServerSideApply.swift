import Foundation

/// Server-side apply and `managedFields` tracking, as pure functions over objects.
///
/// Every write records who set which fields in `metadata.managedFields`. An apply (`PATCH` with
/// `application/apply-patch+yaml`) declares the complete set of fields its manager wants: they are merged
/// into the object, fields the manager applied before but no longer does are removed unless someone else
/// owns them too, and changing a field another manager owns is a conflict unless forced.
public enum ServerSideApply {
    /// The annotation `kubectl apply` (client-side) keeps the last applied configuration in.
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// Fields a write may not own because the strategy resets them (upstream's `GetResetFields`): `status`
    /// through the main resource, `spec` through `status`. Kinds with more reset fields (Deployment's
    /// status also resets `metadata.labels`, Pod's `metadata.deletionTimestamp` and
    /// `metadata.ownerReferences`) should pass their own set.
    public static func defaultResetFields(subresource: String?) -> FieldSet {
        switch subresource {
        case nil: return FieldSet([[.field("status")]])
        case "status"?: return FieldSet([[.field("spec")]])
        default: return FieldSet()
        }
    }

    /// Applies `applied` (the manifest, `metadata.managedFields` absent) as `manager` to `live` (nil when
    /// the object does not exist yet) and returns the object to store, `managedFields` updated.
    ///
    /// - Parameters:
    ///   - force: take conflicting fields from their owners instead of failing (`?force=true`).
    ///   - schema: the root schema node of the kind; nil treats every object as a map, lists as atomic.
    ///   - apiVersion: the version served ("apps/v1"), recorded in the entry; the manifest must match it.
    ///   - now: the time to stamp (RFC 3339, seconds), used only if the object changes.
    ///   - kind: when given, the manifest's kind must match it.
    ///   - subresource: nil for the main resource, "status" for `/status`.
    ///   - resetFields: fields nobody owns through this endpoint; default `defaultResetFields(subresource:)`.
    /// - Throws: `ApplyConflictError` on conflicts; `APIError` for a bad manifest (400), or a manifest or
    ///   live object whose lists cannot be keyed (500 with upstream's message, as the Go server answers).
    public static func apply(
        live: JSON?, applied: JSON, manager: String, force: Bool, schema: SchemaNode?, apiVersion: String,
        now: String, kind: String? = nil, subresource: String? = nil, resetFields: FieldSet? = nil
    ) throws -> JSON {
        guard case .object = applied else {
            throw APIError.badRequest("error decoding YAML: the applied configuration must be an object")
        }
        let appliedVersion = applied["apiVersion"]?.string ?? ""
        if let kind {
            let appliedKind = applied["kind"]?.string ?? ""
            if appliedVersion != apiVersion || appliedKind != kind {
                throw APIError.badRequest("invalid object type: \(gvkString(appliedVersion, appliedKind))")
            }
        } else if appliedVersion != apiVersion {
            throw APIError.badRequest(
                "Incorrect version specified in apply patch. Specified patch version: \(appliedVersion), expected: \(apiVersion)")
        }
        if let mf = applied[path: ["metadata", "managedFields"]], !mf.isNull {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
        let managerName = manager.isEmpty ? "unknown" : manager
        let ctx = FieldOwnership.Context(
            type: FieldType(node: schema), apiVersion: apiVersion, subresource: subresource,
            ignored: resetFields ?? defaultResetFields(subresource: subresource), now: now)

        let managed: ManagedFields
        do {
            managed = try ManagedFields(of: live ?? .object([:]))
        } catch {
            throw APIError(code: 500, reason: "", message: "failed to decode managed fields: \(error)")
        }
        let liveObject = withoutManagedFields(live ?? .object([:]))
        var errors: [(String, String)] = []
        _ = FieldSet.of(liveObject, type: ctx.type, errors: &errors)
        if !errors.isEmpty {
            let text = TypedValueErrors(errors: errors.map { (path: $0.0, message: $0.1) }).text
            throw APIError(code: 500, reason: "", message: "failed to create typed live object (\(describe(liveObject, apiVersion: apiVersion, kind: kind))): \(text)")
        }
        do {
            _ = try FieldSet.checked(applied, type: ctx.type)
        } catch {
            // Upstream returns this plain error, so its API server answers 500; the fault is in the client's
            // manifest (a list element without its key, duplicate keys), so Skiff answers 400 with the same text.
            throw APIError.badRequest("failed to create typed patch object (\(describe(applied, apiVersion: appliedVersion, kind: applied["kind"]?.string))): \(error.text)")
        }

        let applier = ManagedFieldsEntry(
            manager: managerName, operation: "Apply", apiVersion: apiVersion, subresource: subresource, fields: FieldSet())
        func attempt(force: Bool) throws -> (JSON, ManagedFields) {
            var managers = managed
            if managers.isEmpty, live != nil {
                // An object nobody tracked yet: what it holds is attributed to "before-first-apply", so the
                // apply conflicts with it rather than silently taking it over.
                try FieldOwnership.recordWrite(
                    old: .object([:]), new: liveObject, managers: &managers, manager: "before-first-apply", ctx)
            }
            let result = try FieldOwnership.apply(
                live: liveObject, config: applied, managers: &managers, applier: applier, force: force, ctx)
            let id = applier.identifier
            if let fields = managers[id]?.fields {
                let kept = fields.subtracting(FieldOwnership.neverOwned)
                managers[id]?.fields = kept
                if kept.isEmpty { managers[id] = nil } else if result != nil { managers[id]?.time = now }
            }
            return (result ?? liveObject, managers)
        }

        var (object, managers): (JSON, ManagedFields)
        do {
            (object, managers) = try attempt(force: force)
        } catch let failure as TypedValueErrors {
            throw APIError(code: 500, reason: "", message: "failed to merge config: \(failure.text)")
        } catch let conflict as ApplyConflictError where managerName == "kubectl" {
            // Upgrading from client-side apply: fields the last-applied annotation holds with their live
            // values are kubectl's to change (`lastAppliedManager`).
            guard let allowed = allowedByLastApplied(liveObject, apiVersion: apiVersion, type: ctx.type) else {
                throw conflict
            }
            let remaining = conflict.removing(allowed)
            if !remaining.conflicts.isEmpty { throw remaining }
            (object, managers) = try attempt(force: true)
        }

        if managerName == "kubectl",
            let annotation = object[path: ["metadata", "annotations", lastAppliedAnnotation]]?.string, !annotation.isEmpty
        {
            // Keep the client-side annotation in step so a later client-side apply sees this config.
            object[path: ["metadata", "annotations", lastAppliedAnnotation]] = .string(lastAppliedValue(applied))
        }
        managers.encode(into: &object)
        return object
    }

    /// Records a create, update or patch (anything but apply) by `manager`: it takes ownership of the
    /// fields it added or changed (on create, every field it set), other managers lose them, and its
    /// `Update` entry for this version and subresource is merged and stamped `now`. Call it with the object
    /// about to be stored (after defaulting, as upstream decodes defaults in) and the stored one (`old`,
    /// nil on create).
    ///
    /// `managedFields` sent by the client replace the stored ones (that is how a client edits them);
    /// `[]` or `[{}]` clears them, and an object whose managedFields were cleared is not tracked again
    /// until the next apply. Never fails: if the objects cannot be compared, the stored managedFields are
    /// kept, as upstream's `UpdateNoErrors` does.
    public static func recordUpdate(
        old: JSON?, new: JSON, manager: String, schema: SchemaNode?, apiVersion: String, now: String,
        subresource: String? = nil, resetFields: FieldSet? = nil
    ) -> JSON {
        let managerName = manager.isEmpty ? "unknown" : manager
        let ctx = FieldOwnership.Context(
            type: FieldType(node: schema), apiVersion: apiVersion, subresource: subresource,
            ignored: resetFields ?? defaultResetFields(subresource: subresource), now: now)

        var managed = ManagedFields()
        let sent = new[path: ["metadata", "managedFields"]]
        let stored = { (try? ManagedFields(of: old ?? .object([:]))) ?? ManagedFields() }
        if subresource != nil {
            managed = stored()
        } else if isReset(sent) {
            managed = ManagedFields()
        } else if let fromRequest = try? ManagedFields(of: new), !fromRequest.isEmpty {
            managed = fromRequest
        } else {
            managed = stored()
        }

        var object = withoutManagedFields(new)
        let isCreate = old == nil || (old?[path: ["metadata", "uid"]]?.string ?? "").isEmpty
        // Untracked objects stay untracked until applied to (`skipNonAppliedManager`).
        if managed.isEmpty && !isCreate { return object }
        do {
            try FieldOwnership.recordWrite(
                old: withoutManagedFields(old ?? .object([:])), new: object, managers: &managed, manager: managerName, ctx)
        } catch {
            object[path: ["metadata", "managedFields"]] = old?[path: ["metadata", "managedFields"]]
            return object
        }
        managed.encode(into: &object)
        return object
    }

    // MARK: - Helpers

    static func withoutManagedFields(_ object: JSON) -> JSON {
        guard object[path: ["metadata", "managedFields"]] != nil else { return object }
        var o = object
        o[path: ["metadata", "managedFields"]] = nil
        return o
    }

    /// `[]` or a single empty entry: the client asks to clear managedFields.
    static func isReset(_ list: JSON?) -> Bool {
        guard case .array(let items)? = list else { return false }
        if items.isEmpty { return true }
        guard items.count == 1, case .object(let o) = items[0] else { return false }
        return o.values.allSatisfy { v in
            switch v {
            case .null: return true
            case .string(let s): return s.isEmpty
            case .object(let m): return m.isEmpty
            default: return false
            }
        }
    }

    /// Fields of the last-applied annotation whose values still match the live object.
    static func allowedByLastApplied(_ live: JSON, apiVersion: String, type: FieldType) -> FieldSet? {
        guard let text = live[path: ["metadata", "annotations", lastAppliedAnnotation]]?.string, !text.isEmpty,
            let lastApplied = try? JSON.parse(text), lastApplied.isObject,
            lastApplied["apiVersion"]?.string == apiVersion,
            let set = try? FieldSet.checked(lastApplied, type: type),
            let cmp = try? ObjectComparison(old: lastApplied, new: live, type: type)
        else { return nil }
        return set.subtracting(cmp.modified).subtracting(cmp.added).subtracting(cmp.removed)
    }

    /// The annotation value kubectl would write for this configuration: compact JSON with sorted keys and
    /// a trailing newline, without the annotation itself.
    static func lastAppliedValue(_ applied: JSON) -> String {
        var config = applied
        if config[path: ["metadata", "annotations", lastAppliedAnnotation]] != nil {
            config[path: ["metadata", "annotations", lastAppliedAnnotation]] = nil
        }
        return GoText.json(config) + "\n"
    }

    /// `schema.GroupVersionKind.String()`: "apps/v1, Kind=Deployment", "/v1, Kind=Pod".
    static func gvkString(_ apiVersion: String, _ kind: String) -> String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
        return "\(group)/\(version), Kind=\(kind)"
    }

    /// `objectGVKNN`: "default/nginx; apps/v1, Kind=Deployment".
    static func describe(_ object: JSON, apiVersion: String, kind: String?) -> String {
        let ns = object[path: ["metadata", "namespace"]]?.string ?? ""
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        return "\(ns)/\(name); \(gvkString(apiVersion, kind ?? object["kind"]?.string ?? ""))"
    }
}
