import Foundation

/// What changed between two versions of an object, as field sets (upstream's `typed.Comparison`).
///
/// Leaves (scalars, atomic lists and maps, empty containers) are added, removed or modified. A granular
/// container that appears or disappears is added or removed itself too, besides its content: that is the
/// `".": {}` an updater gets for a map or list element it created.
struct ObjectComparison {
    var added = FieldSet()
    var modified = FieldSet()
    var removed = FieldSet()

    var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }

    /// Compares `old` with `new`. Throws when a list element cannot be named (a missing key field).
    init(old: JSON, new: JSON, type: FieldType) throws(TypedValueErrors) {
        try compare(old, new, type, path: [], impliedOld: true, impliedNew: true)
    }

    /// Drops the given paths and everything below them (reset fields nobody may own).
    func excluding(_ fields: FieldSet) -> ObjectComparison {
        guard !fields.isEmpty else { return self }
        var c = self
        c.added = added.subtractingRecursively(fields)
        c.modified = modified.subtractingRecursively(fields)
        c.removed = removed.subtractingRecursively(fields)
        return c
    }

    private mutating func leaf(_ l: JSON?, _ r: JSON?, path: FieldPath) {
        if l == nil {
            added.insert(path)
        } else if r == nil {
            removed.insert(path)
        } else if let l, let r, !JSON.structurallyEqual(l, r) {
            modified.insert(path)
        }
    }

    /// `impliedOld`/`impliedNew`: the position exists in the Go server's typed version of that side even
    /// though the JSON lacks it: a struct embedded by value, or a required (non-`omitempty`) field that
    /// Go encodes as `null`, inside a struct that exists. Upstream compares those typed objects, so such a
    /// position is never reported as added or removed itself, only its content.
    private mutating func compare(
        _ l: JSON?, _ r: JSON?, _ type: FieldType, path: FieldPath, impliedOld: Bool, impliedNew: Bool
    ) throws(TypedValueErrors) {
        switch JSONShape.common(l, r) {
        case .map:
            let lo = l?.object ?? [:], ro = r?.object ?? [:]
            if type.isAtomicMap || (lo.isEmpty && ro.isEmpty) {
                leaf(l, r, path: path)
                return
            }
            var keys = Set(lo.keys)
            keys.formUnion(ro.keys)
            let (presentOld, presentNew) = (l != nil || impliedOld, r != nil || impliedNew)
            for k in keys {
                let (ct, declared) = type.child(k)
                let alwaysThere = declared && (ct.isEmbeddedStruct || type.isRequired(k))
                try compare(
                    lo[k], ro[k], ct, path: path + [.field(k)],
                    impliedOld: alwaysThere && presentOld, impliedNew: alwaysThere && presentNew)
            }
            containerPresence(l, r, path: path, impliedOld: impliedOld, impliedNew: impliedNew)
        case .list:
            let la = l?.array ?? [], ra = r?.array ?? []
            if type.listKind == .atomic || (la.isEmpty && ra.isEmpty) {
                leaf(l, r, path: path)
                return
            }
            try compareItems(la, ra, type, path: path)
            containerPresence(l, r, path: path, impliedOld: impliedOld, impliedNew: impliedNew)
        case .scalar, .mismatch, .none:
            leaf(l, r, path: path)
        }
    }

    private mutating func containerPresence(_ l: JSON?, _ r: JSON?, path: FieldPath, impliedOld: Bool, impliedNew: Bool) {
        if l == nil && !impliedOld {
            added.insert(path)
        } else if r == nil && !impliedNew {
            removed.insert(path)
        }
    }

    private mutating func compareItems(_ l: [JSON], _ r: [JSON], _ type: FieldType, path: FieldPath) throws(TypedValueErrors) {
        var errors: [(path: String, message: String)] = []
        func index(_ items: [JSON]) -> (order: [PathElement], groups: [PathElement: [JSON]]) {
            var order: [PathElement] = []
            var groups: [PathElement: [JSON]] = [:]
            for (i, item) in items.enumerated() {
                do {
                    let pe = try type.elementPathElement(item, at: i)
                    if groups[pe] == nil { order.append(pe) }
                    groups[pe, default: []].append(item)
                } catch {
                    errors.append((path.fieldPathString, "element \(i): \(error.message)"))
                }
            }
            return (order, groups)
        }
        let (lOrder, lGroups) = index(l)
        let (rOrder, rGroups) = index(r)
        if !errors.isEmpty { throw TypedValueErrors(errors: errors) }
        var all = lOrder
        for pe in rOrder where lGroups[pe] == nil { all.append(pe) }
        for pe in all {
            let ls = lGroups[pe] ?? [], rs = rGroups[pe] ?? []
            let p = path + [pe]
            if ls.count <= 1 && rs.count <= 1 {
                try compare(ls.first, rs.first, type.element, path: p, impliedOld: false, impliedNew: false)
            } else if ls.count >= 2 && rs.count >= 2 {
                // Duplicates on both sides are compared as one atomic value.
                if ls.count != rs.count || !zip(ls, rs).allSatisfy({ JSON.structurallyEqual($0, $1) }) {
                    modified.insert(p)
                }
            } else if ls.count >= 2 {
                if let first = rs.first { try compare(nil, first, type.element, path: p, impliedOld: false, impliedNew: false) }
                removed.insert(p)
            } else {
                if let first = ls.first { try compare(first, nil, type.element, path: p, impliedOld: false, impliedNew: false) }
                added.insert(p)
            }
        }
    }
}

extension JSON {
    /// Equality as structured-merge-diff's `value.Equals` sees it: `1` and `1.0` are the same number, but
    /// unlike `Semantic.equal` (apimachinery's, for decoded structs) null, `[]` and `{}` differ, as field
    /// ownership must tell them apart.
    static func structurallyEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { structurallyEqual($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k], structurallyEqual(v, w) else { return false }
            }
            return true
        default: return a == b
        }
    }
}

/// The shape two versions of a value share. A null or missing side takes the other side's shape, as
/// structured-merge-diff treats null as an empty map or list.
enum JSONShape {
    case map, list, scalar, mismatch, none

    static func of(_ v: JSON?) -> JSONShape {
        switch v {
        case nil, .null?: return .none
        case .object?: return .map
        case .array?: return .list
        default: return .scalar
        }
    }

    static func common(_ a: JSON?, _ b: JSON?) -> JSONShape {
        let (x, y) = (of(a), of(b))
        if x == .none { return y }
        if y == .none || x == y { return x }
        return .mismatch
    }
}
