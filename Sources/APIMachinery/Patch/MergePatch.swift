/// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively, `null` deletes a
/// member, anything else (arrays included) replaces the target value.
///
/// kubectl sends it for kinds it has no schema for (custom resources) and `kubectl patch --type=merge`.
/// The merge follows evanphx/json-patch v4's `MergePatch`, which is the RFC algorithm except that nulls are
/// also pruned from objects nested inside replacing arrays; every example of RFC 7386 Appendix A holds.
public enum MergePatch {
    /// What the API server does with a merge-patch body: the patch must be a JSON object (upstream decodes it
    /// into a `map[string]interface{}` first and answers 400 otherwise). The original is never changed.
    public static func apply(_ patch: JSON, to original: JSON) throws(PatchError) -> JSON {
        switch patch {
        case .object:
            return merge(patch, into: original)
        case .null:
            // A `null` body decodes to a nil map, which evanphx/json-patch rejects as ErrBadJSONPatch.
            throw .badRequest("Invalid JSON Patch")
        default:
            throw .badRequest(
                "error decoding patch: json: cannot unmarshal \(GoValueFormat.jsonKind(patch)) into Go value of type map[string]interface {}")
        }
    }

    /// RFC 7386 `MergePatch(target, patch)` for any pair of values (a non-object patch replaces the target).
    public static func merge(_ patch: JSON, into target: JSON) -> JSON {
        guard case .object(let members) = patch else {
            // An array patch over an object is taken verbatim upstream (its nulls survive); over anything
            // else it is pruned like a newly added value.
            if case .array = patch, case .object = target { return patch }
            return pruneNulls(patch)
        }
        var result = target.object ?? [:]
        for key in members.keys.sorted() {
            let value = members[key]!
            if value == .null {
                result.removeValue(forKey: key)
            } else if let current = result[key], current != .null {
                result[key] = merge(value, into: current)
            } else {
                result[key] = pruneNulls(value)
            }
        }
        return .object(result)
    }

    /// A value being added where nothing was: `null` members mean "absent", so they are dropped at every depth
    /// (inside arrays too, but array elements that are themselves `null` stay).
    static func pruneNulls(_ value: JSON) -> JSON {
        switch value {
        case .object(let o):
            var out: [String: JSON] = [:]
            for (k, v) in o where v != .null { out[k] = pruneNulls(v) }
            return .object(out)
        case .array(let a):
            return .array(a.map(pruneNulls))
        default:
            return value
        }
    }
}
