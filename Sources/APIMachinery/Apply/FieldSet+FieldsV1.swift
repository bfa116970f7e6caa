import Foundation

/// Conversion between `FieldSet` and the `fieldsV1` trie stored in `metadata.managedFields`.
///
///     {"f:metadata":{"f:labels":{"f:app":{}}},
///      "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}
///
/// A key whose value is `{}` is a member; a key with children is a prefix, and it is also a member when
/// its object holds `".": {}`.
extension FieldSet {
    /// Reads a `fieldsV1` object. Keys of an unknown kind are skipped (as upstream does, so data written
    /// by a newer server stays readable); anything else malformed throws.
    public init(fieldsV1: JSON) throws {
        guard case .object(let o) = fieldsV1 else {
            throw FieldsV1Error("fieldsV1 must be an object, got \(fieldsV1.typeName)")
        }
        self.init()
        for (key, value) in o {
            if key == "." { continue }
            guard let pe = try PathElement(fieldsV1Key: key) else { continue }
            guard case .object(let sub) = value else {
                throw FieldsV1Error("the value of \(key) must be an object, got \(value.typeName)")
            }
            let child = try FieldSet(fieldsV1: value)
            // `{}` and `{".": {}, ...}` both make the step a member.
            if sub.isEmpty || sub["."] != nil { members.insert(pe) }
            if !child.isEmpty { children[pe] = children[pe].map { $0.union(child) } ?? child }
        }
    }

    /// The `fieldsV1` trie for this set.
    public var fieldsV1: JSON {
        var out: [String: JSON] = [:]
        for pe in members where children[pe] == nil {
            out[pe.fieldsV1Key] = .object([:])
        }
        for (pe, sub) in children {
            var o = sub.fieldsV1.object ?? [:]
            if members.contains(pe) { o["."] = .object([:]) }
            out[pe.fieldsV1Key] = .object(o)
        }
        return .object(out)
    }
}
