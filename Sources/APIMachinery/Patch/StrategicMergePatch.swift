/// Strategic merge patch (`application/strategic-merge-patch+json`): a JSON merge patch whose lists follow
/// the schema's `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`, plus `$`-directives.
///
/// This is what `kubectl apply` (client-side), `kubectl edit`, `kubectl set image`, `kubectl scale` and
/// `kubectl patch` (default type) send, so its semantics mirror upstream's server-side
/// `strategicpatch.StrategicMergeMapPatch` (k8s.io/apimachinery v1.32):
///
/// - `null` deletes a key; other scalars and mismatched types replace; objects merge recursively, unless the
///   field's strategy is `replace`.
/// - A list whose strategy is `merge` merges: lists of objects by the merge key (matching elements merge,
///   others are appended), lists of scalars as a set union. Every other list is replaced — including when the
///   schema node is nil (unknown kind or field), which makes schema-less objects behave like upstream's.
///   `x-kubernetes-list-type` is deliberately ignored: upstream SMP only reads the patch strategy (list types
///   drive server-side apply).
/// - Map directives: `{"$patch": "replace", ...}` replaces the map with the rest of the patch,
///   `{"$patch": "delete"}` empties it; `$retainKeys: [...]` drops every original key not listed.
///   `$patch: merge` on a map is an error upstream ("unknown patch type: merge in map: ...") and here too.
/// - List element directives (merge lists of objects): `{"<key>": v, "$patch": "delete"}` deletes the
///   elements with that key; an element `{"$patch": "replace"}` replaces the whole list with the other
///   elements; `$patch: merge` is refused ("merging lists cannot yet be specified in the patch").
/// - Parallel lists: `$setElementOrder/<field>` orders the merged list; `$deleteFromPrimitiveList/<field>`
///   removes scalars from a list whatever its strategy (and is a no-op when the field is absent).
/// - Element order as upstream: patch elements in patch (or `$setElementOrder`) order, original-only elements
///   keep their original order and are interleaved before the first patch element that came after them in the
///   original; patch elements the original did not have go before the original-only elements that follow.
/// - A value landing where the original has nothing to merge with loses its `null` members and every map that
///   carries `$patch` (upstream's `discardNullValuesFromPatch` + `removeDirectives`).
///
/// Skiff stores the merged JSON directly, where upstream decodes it into the typed object; that decoding drops
/// `null` members and unknown `$` keys from values stored as is (new merge-list elements, replacing lists,
/// `$patch: replace` content), so they are dropped here too. Deletion lists are applied after the other keys
/// of the same map so that the result never depends on key order (Go's map order would).
public enum StrategicMergePatch {
    /// Applies `patch` to `original`, guided by the kind's root schema node (`Schema.node(group:version:kind:)`).
    /// `original` is a value and never changes. A `null` patch changes nothing; a patch that is not an object is
    /// a 400, as upstream's decoding into `map[string]interface{}` fails.
    public static func apply(_ patch: JSON, to original: JSON, schema: SchemaNode?) throws(PatchError) -> JSON {
        let members: [String: JSON]
        switch patch {
        case .null: return original
        case .object(let o): members = o
        default:
            throw .badRequest("json: cannot unmarshal \(GoValueFormat.jsonKind(patch)) into Go value of type map[string]interface {}")
        }
        guard case .object(let base) = original else { throw .badRequest("invalid JSON document") }
        return .object(try StrategicMerger().mergeMap(base, members, schema))
    }
}

/// Directive names shared by the merger.
enum SMPDirective {
    static let marker = "$patch"
    static let delete = "delete"
    static let replace = "replace"
    static let merge = "merge"
    static let retainKeys = "$retainKeys"
    static let deleteFromPrimitiveList = "$deleteFromPrimitiveList"
    static let setElementOrder = "$setElementOrder"

    /// True for patch keys that are instructions rather than fields.
    static func isDirectiveKey(_ key: String) -> Bool {
        key == marker || key == retainKeys || key.hasPrefix(deleteFromPrimitiveList + "/")
            || key.hasPrefix(setElementOrder + "/")
    }
}

/// What the schema says about one field of an object: its own node and how a patch combines with it.
struct SMPField {
    var node: SchemaNode?
    /// "merge", "replace" or nil (the default: replace lists, merge maps).
    var strategy: String?
    var mergeKey: String?

    static let unknown = SMPField(node: nil, strategy: nil, mergeKey: nil)

    /// Mirrors `LookupPatchMetadata` + `extractRetainKeysPatchStrategy`: a struct field's annotations, or a
    /// map's value schema (maps carry no strategy). `retainKeys` only shapes the patches clients compute; the
    /// server honours a `$retainKeys` directive wherever it appears, so it is split off and dropped here.
    static func lookup(_ key: String, in parent: SchemaNode?) throws(PatchError) -> SMPField {
        guard let parent else { return .unknown }
        if let field = parent.property(key) {
            var strategies = field.patchStrategies
            switch strategies.count {
            case 0, 1:
                strategies.removeAll { $0 == "retainKeys" }
            case 2 where strategies.contains("retainKeys"):
                strategies.removeAll { $0 == "retainKeys" }
            default:
                throw .plainError("unexpected patch strategy: [\(strategies.joined(separator: " "))]")
            }
            return SMPField(node: field, strategy: strategies.first, mergeKey: field.patchMergeKey)
        }
        if let values = parent.additionalProperties { return SMPField(node: values, strategy: nil, mergeKey: nil) }
        return .unknown
    }
}
