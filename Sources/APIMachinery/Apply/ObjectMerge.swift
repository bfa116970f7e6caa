import Foundation

/// Merging an applied configuration into a live object, and pruning what an applier stopped applying
/// (upstream's `TypedValue.Merge` and `RemoveItems`).
enum ObjectMerge {
    /// `live` merged with `config`: config values win; granular maps merge entry by entry; list-maps merge
    /// element by element by key and sets by value, keeping the live elements the config does not name;
    /// atomic lists and maps are replaced. A `null` in the config stays a null (it is a value for
    /// ownership and conflicts; `droppingNewNulls` removes it before storing) except over a non-empty
    /// granular container, which is kept. Returns nil when the field is absent from both.
    static func merge(_ live: JSON?, _ config: JSON?, _ type: FieldType, path: FieldPath) throws(TypedValueErrors) -> JSON? {
        guard let config else { return live }
        switch config {
        case .null:
            switch live {
            case .object(let o)? where !o.isEmpty && !type.isAtomicMap: return live
            case .array(let a)? where !a.isEmpty && type.listKind != .atomic: return live
            default: return .null
            }
        case .object(let ro):
            if type.isAtomicMap { return config }
            let lo: [String: JSON]
            switch live {
            case .object(let o)?: lo = o
            case nil, .null?: lo = [:]
            default: return config
            }
            if lo.isEmpty && ro.isEmpty { return config }
            var out = lo
            for (k, rv) in ro {
                out[k] = try merge(lo[k], rv, type.child(k).type, path: path + [.field(k)])
            }
            return .object(out)
        case .array(let ra):
            if type.listKind == .atomic { return config }
            let la: [JSON]
            switch live {
            case .array(let a)?: la = a
            case nil, .null?: la = []
            default: return config
            }
            if la.isEmpty && ra.isEmpty { return config }
            return .array(try mergeItems(la, ra, type, path: path))
        default:
            return config
        }
    }

    /// Merges two granular lists. Elements named by both keep the config's order; live-only elements keep
    /// their place relative to them; config-only elements come where the config puts them.
    private static func mergeItems(_ live: [JSON], _ config: [JSON], _ type: FieldType, path: FieldPath) throws(TypedValueErrors) -> [JSON] {
        var errors: [(path: String, message: String)] = []
        var lOrder: [PathElement] = []
        var lItems: [PathElement: [JSON]] = [:]
        for (i, item) in live.enumerated() {
            do {
                let pe = try type.elementPathElement(item, at: i)
                if lItems[pe] == nil { lOrder.append(pe) }
                lItems[pe, default: []].append(item)
            } catch {
                errors.append((path.fieldPathString, "element \(i): \(error.message)"))
            }
        }
        var rOrder: [PathElement] = []
        var rItems: [PathElement: JSON] = [:]
        for (i, item) in config.enumerated() {
            do {
                let pe = try type.elementPathElement(item, at: i)
                if rItems[pe] != nil {
                    errors.append((path.fieldPathString, "duplicate entries for key \(pe.description)"))
                    continue
                }
                rOrder.append(pe)
                rItems[pe] = item
            } catch {
                errors.append((path.fieldPathString, "element \(i): \(error.message)"))
            }
        }
        if !errors.isEmpty { throw TypedValueErrors(errors: errors) }

        var out: [JSON] = []
        var emitted: Set<PathElement> = []
        func emitMerged(_ pe: PathElement) throws(TypedValueErrors) {
            emitted.insert(pe)
            if let v = try merge(lItems[pe]?.first, rItems[pe], type.element, path: path + [pe]) { out.append(v) }
        }
        /// The next element named by both lists that is still to be written, in config order.
        func nextShared(from r: Int) -> PathElement? {
            for pe in rOrder[r...] where lItems[pe] != nil && !emitted.contains(pe) { return pe }
            return nil
        }
        var li = 0, ri = 0
        while li < lOrder.count || ri < rOrder.count {
            if li < lOrder.count {
                let pl = lOrder[li]
                if rItems[pl] == nil {
                    out.append(contentsOf: lItems[pl]!)
                    li += 1
                    continue
                }
                if emitted.contains(pl) {
                    li += 1
                    continue
                }
                if ri < rOrder.count, rOrder[ri] == pl {
                    try emitMerged(pl)
                    li += 1
                    ri += 1
                    continue
                }
                if ri < rOrder.count, let next = nextShared(from: ri), next != pl {
                    // Shared, but the config puts another shared element first: written when reached there.
                    li += 1
                    continue
                }
            }
            if ri < rOrder.count {
                let pr = rOrder[ri]
                if !emitted.contains(pr) { try emitMerged(pr) }
                ri += 1
                continue
            }
            li += 1
        }
        return out
    }

    /// Removes what the applier owned last time (`last`) and nobody owns now (`owned`, every manager's set
    /// including the applier's new one). A declared struct field counts as owned when anything below it
    /// is. Containers emptied by the removal become null, as upstream leaves them.
    static func prune(_ value: JSON, _ type: FieldType, last: FieldSet, owned: FieldSet) -> JSON {
        switch value {
        case .object(var o) where !type.isAtomicMap:
            for (k, child) in o {
                let pe = PathElement.field(k)
                guard last.touches(pe) else { continue }
                let declared = type.isDeclared(k)
                let inLast = last.members.contains(pe) || (declared && last.children[pe] != nil)
                let inOwned = owned.members.contains(pe) || (declared && owned.children[pe] != nil)
                if inLast && !inOwned {
                    o[k] = nil
                } else if let sub = last.children[pe] {
                    let pruned = prune(child, type.child(k).type, last: sub, owned: owned.child(pe))
                    o[k] = pruned.isEmptyContainer && !child.isEmptyContainer ? .null : pruned
                }
            }
            return .object(o)
        case .array(let items) where type.listKind != .atomic:
            var out: [JSON] = []
            for (i, item) in items.enumerated() {
                guard let pe = try? type.elementPathElement(item, at: i), last.touches(pe) else {
                    out.append(item)
                    continue
                }
                if last.members.contains(pe) && !owned.members.contains(pe) { continue }
                if let sub = last.children[pe] {
                    out.append(prune(item, type.element, last: sub, owned: owned.child(pe)))
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        default:
            return value
        }
    }
}

extension ObjectMerge {
    /// `merged` without the nulls the merge introduced (from the config, or left by pruning): the Go
    /// server decodes those into absent fields before storing. Nulls the live object already had at the
    /// same place (`creationTimestamp: null` in a pod template) stay.
    static func droppingNewNulls(_ merged: JSON, live: JSON?, _ type: FieldType) -> JSON {
        switch merged {
        case .object(var o):
            let lo = live?.object
            for (k, v) in o {
                if v.isNull {
                    if lo?[k]?.isNull != true { o[k] = nil }
                } else {
                    o[k] = droppingNewNulls(v, live: lo?[k], type.child(k).type)
                }
            }
            return .object(o)
        case .array(let items):
            let la = live?.array ?? []
            if type.listKind == .atomic {
                return zip(items, la).allSatisfy({ JSON.structurallyEqual($0, $1) }) && items.count == la.count
                    ? merged : .array(items.map { droppingNewNulls($0, live: nil, .deduced) })
            }
            var liveItems: [PathElement: JSON] = [:]
            for (i, item) in la.enumerated() {
                if let pe = try? type.elementPathElement(item, at: i), liveItems[pe] == nil { liveItems[pe] = item }
            }
            return .array(items.enumerated().map { i, item in
                let pe = try? type.elementPathElement(item, at: i)
                return droppingNewNulls(item, live: pe.flatMap { liveItems[$0] }, type.element)
            })
        default:
            return merged
        }
    }
}

extension JSON {
    /// `{}` or `[]`.
    var isEmptyContainer: Bool {
        switch self {
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }
}
