/// The recursive core of `StrategicMergePatch`: merges one patch map into one original map, descending the
/// schema alongside. Each function mirrors a step of upstream's `mergeMap` / `mergeSlice` so their error
/// cases and element ordering line up.
struct StrategicMerger {
    typealias D = SMPDirective

    // MARK: - Maps

    func mergeMap(_ original: [String: JSON], _ patch: [String: JSON], _ node: SchemaNode?) throws(PatchError) -> [String: JSON] {
        var patch = patch
        if let directive = patch[D.marker] {
            switch directive {
            case .string(D.replace):
                patch.removeValue(forKey: D.marker)
                return Self.decoded(patch)
            case .string(D.delete):
                return [:]
            default:
                throw Self.unknownPatchType(directive, in: .object(patch))
            }
        }

        var result = original
        try applyRetainKeys(&result, &patch)
        try applySetElementOrder(&result, &patch, node)

        // Deletion lists run after the other keys so that a list added and trimmed in one patch ends the same
        // way whatever order the keys come in.
        var deletions: [(field: String, values: JSON)] = []
        for key in patch.keys.sorted() {
            let value = patch[key]!
            if key.hasPrefix(D.deleteFromPrimitiveList) {
                deletions.append((try Self.extractKey(key, prefix: D.deleteFromPrimitiveList), value))
            } else {
                try mergeField(key, value, into: &result, parent: node, isDeletionList: false)
            }
        }
        for (field, values) in deletions {
            try mergeField(field, values, into: &result, parent: node, isDeletionList: true)
        }
        return result
    }

    private func mergeField(
        _ key: String, _ value: JSON, into result: inout [String: JSON], parent: SchemaNode?, isDeletionList: Bool
    ) throws(PatchError) {
        if value == .null {
            result.removeValue(forKey: key)
            return
        }
        switch (result[key], value) {
        case (.object(let o)?, .object(let p)):
            let field = try SMPField.lookup(key, in: parent)
            result[key] = field.strategy == D.replace ? Self.decoded(value) : .object(try mergeMap(o, p, field.node))
        case (.array(let o)?, .array(let p)):
            // A deletion list removes from any list, whatever its strategy.
            let field = try SMPField.lookup(key, in: parent)
            if field.strategy == D.merge || isDeletionList {
                result[key] = .array(try mergeList(o, p, field, isDeletionList: isDeletionList))
            } else {
                result[key] = Self.decoded(value)
            }
        default:
            // Absent keys, scalars and values whose JSON type changed take the patch value, minus its nulls
            // and any map carrying `$patch`; a deletion list has nothing to delete from there.
            if isDeletionList { return }
            result[key] = Self.withoutDirectives(value)
        }
    }

    /// `$retainKeys: [...]` clears every original key it does not list; the patch itself may only set listed
    /// keys (nulls and parallel lists excepted), else upstream answers 400.
    private func applyRetainKeys(_ result: inout [String: JSON], _ patch: inout [String: JSON]) throws(PatchError) {
        guard let directive = patch.removeValue(forKey: D.retainKeys) else { return }
        guard case .array(let keep) = directive else { throw .badRequest("invalid patch format of retainKeys") }
        for (key, value) in patch where value != .null {
            if key.hasPrefix(D.deleteFromPrimitiveList) || key.hasPrefix(D.setElementOrder) { continue }
            if !keep.contains(.string(key)) { throw .badRequest("invalid patch format of retainKeys") }
        }
        result = result.filter { keep.contains(.string($0.key)) }
    }

    /// Handles every `$setElementOrder/<field>` of this map: merges `<field>` (if the patch has it) and orders
    /// the result by the directive; the field is then removed from the patch so it is not merged twice.
    private func applySetElementOrder(
        _ result: inout [String: JSON], _ patch: inout [String: JSON], _ node: SchemaNode?
    ) throws(PatchError) {
        for key in patch.keys.sorted() where key.hasPrefix(D.setElementOrder) {
            let directive = patch.removeValue(forKey: key)!
            guard case .array(let order) = directive else { throw Self.badArgType("[]interface {}", directive) }
            let fieldName = try Self.extractKey(key, prefix: D.setElementOrder)

            var originalList: [JSON]?
            if let current = result[fieldName] {
                guard case .array(let a) = current else { throw Self.badArgType("[]interface {}", current) }
                originalList = a
            }
            var patchList: [JSON]?
            if let value = patch[fieldName] {
                guard case .array(let a) = value else { throw Self.badArgType("[]interface {}", value) }
                patchList = a
            }
            let field = try SMPField.lookup(fieldName, in: node)
            try Self.validateOrder(of: patchList ?? [], against: order, mergeKey: field.usableMergeKey)

            let merged: [JSON]
            var serverOrder = originalList ?? []
            switch (originalList, patchList) {
            case (let o?, nil): merged = o
            case (nil, let p?): merged = p.compactMap(Self.withoutDirectives)
            case (let o?, let p?):
                if field.strategy == D.merge {
                    (merged, serverOrder) = try mergeListKeepingView(o, p, field, isDeletionList: false)
                } else {
                    merged = p.map(Self.decoded)
                }
            case (nil, nil): continue
            }
            patch.removeValue(forKey: fieldName)

            guard let kind = try Self.elementKind([originalList ?? [], patchList ?? []]) else {
                result[fieldName] = .array(merged)
                continue
            }
            var mergeKey: String?
            if kind == .object {
                guard let key = field.usableMergeKey else { throw Self.noMergeKeyForType(field) }
                mergeKey = key
            }
            let (ordered, serverOnly) = try Self.partition(merged, presentIn: order, mergeKey: mergeKey)
            result[fieldName] = .array(
                try Self.normalizeOrder(
                    patchItems: ordered, serverOnly: serverOnly, patchOrder: order, serverOrder: serverOrder,
                    mergeKey: mergeKey))
        }
    }

    // MARK: - Lists

    /// Merges two lists of a field whose strategy is `merge` (or any list, for a deletion list).
    func mergeList(_ original: [JSON], _ patch: [JSON], _ field: SMPField, isDeletionList: Bool) throws(PatchError) -> [JSON] {
        try mergeListKeepingView(original, patch, field, isDeletionList: isDeletionList).merged
    }

    /// Merges two lists and also returns `originalView`: what upstream's caller later sees in its own
    /// reference to the original list. Go deletes elements by shifting the shared backing array left and
    /// appends new elements into the space that frees, so after `[1, 2, 4]` loses `1` and gains `3` the caller's
    /// three-element view reads `[2, 4, 3]`. `$setElementOrder` interleaves by that view, and upstream's
    /// results (e.g. its "add map and delete map from merging list" case) depend on it.
    func mergeListKeepingView(
        _ original: [JSON], _ patch: [JSON], _ field: SMPField, isDeletionList: Bool
    ) throws(PatchError) -> (merged: [JSON], originalView: [JSON]) {
        if original.isEmpty && patch.isEmpty { return (original, original) }
        let kind = try Self.elementKind([original, patch])

        if kind != .object {
            if isDeletionList { return (original.filter { !patch.contains($0) }, original) }
            let merged = Self.deduplicated(original + patch)
            let (ordered, serverOnly) = try Self.partition(merged, presentIn: patch, mergeKey: nil)
            let result = try Self.normalizeOrder(
                patchItems: ordered, serverOnly: serverOnly, patchOrder: patch, serverOrder: original, mergeKey: nil)
            return (result, original)
        }

        guard let mergeKey = field.usableMergeKey else { throw Self.noMergeKeyForType(field) }
        var view = SharedBacking(original)
        let (base, items) = try applyElementDirectives(&view, patch, mergeKey: mergeKey)
        var merged = base
        for element in items {
            guard case .object(let patchElement) = element, let keyValue = patchElement[mergeKey] else {
                throw Self.noMergeKey(element, mergeKey)
            }
            if let i = merged.firstIndex(where: { $0.object?[mergeKey] == keyValue }), case .object(let existing) = merged[i] {
                merged[i] = .object(try mergeMap(existing, patchElement, field.node?.items))
                view.set(merged[i], at: i)
            } else {
                merged.append(Self.decoded(element))
                view.append(merged[merged.count - 1])
            }
        }
        let (ordered, serverOnly) = try Self.partition(merged, presentIn: items, mergeKey: mergeKey)
        let result = try Self.normalizeOrder(
            patchItems: ordered, serverOnly: serverOnly, patchOrder: items, serverOrder: base, mergeKey: mergeKey)
        return (result, view.visible)
    }

    /// Applies `$patch` elements of a list of objects: `delete` drops original elements with the same merge key,
    /// `replace` makes the other patch elements the whole list. Returns the base list and the plain elements
    /// still to merge into it.
    private func applyElementDirectives(
        _ view: inout SharedBacking, _ patch: [JSON], mergeKey: String
    ) throws(PatchError) -> ([JSON], [JSON]) {
        var plain: [JSON] = []
        var replace = false
        for element in patch {
            guard let directive = element.object?[D.marker] else {
                plain.append(element)
                continue
            }
            switch directive {
            case .string(D.delete):
                guard let keyValue = element.object?[mergeKey] else { throw Self.noMergeKey(element, mergeKey) }
                view.removeAll { $0.object?[mergeKey] == keyValue }
            case .string(D.replace):
                replace = true
            case .string(D.merge):
                throw .plainError("merging lists cannot yet be specified in the patch")
            default:
                throw Self.unknownPatchType(directive, in: element)
            }
        }
        if replace {
            // The replacement is a fresh list: later appends no longer reach the original's storage.
            view.detach()
            return (plain.map(Self.decoded), [])
        }
        return (view.current, plain)
    }

    // MARK: - Ordering

    /// Upstream's `normalizeElementOrder`: sorts patch items by the patch (or `$setElementOrder`) order and
    /// server-only items by their original order, then interleaves them: a server-only item goes first only
    /// when it preceded the next patch item in the original list.
    static func normalizeOrder(
        patchItems: [JSON], serverOnly: [JSON], patchOrder: [JSON], serverOrder: [JSON], mergeKey: String?
    ) throws(PatchError) -> [JSON] {
        let right = try sortByOrder(patchItems, patchOrder, mergeKey: mergeKey)
        let left = try sortByOrder(serverOnly, serverOrder, mergeKey: mergeKey)
        var out: [JSON] = []
        out.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                out.append(right[j]); j += 1
            } else if j >= right.count {
                out.append(left[i]); i += 1
            } else if let li = index(of: left[i], in: serverOrder, mergeKey: mergeKey),
                let ri = index(of: right[j], in: serverOrder, mergeKey: mergeKey), li < ri
            {
                out.append(left[i]); i += 1
            } else {
                out.append(right[j]); j += 1
            }
        }
        return out
    }

    /// Stable sort by position in `order`; `$patch: delete` elements go last; unknown items keep their place
    /// after the known ones.
    private static func sortByOrder(_ items: [JSON], _ order: [JSON], mergeKey: String?) throws(PatchError) -> [JSON] {
        var items = items
        var deletes: [JSON] = []
        if let mergeKey {
            for list in [items, order] {
                for element in list {
                    guard case .object(let o) = element else { throw badArgType("map[string]interface {}", element) }
                    if o[mergeKey] == nil { throw noMergeKey(element, mergeKey) }
                }
            }
            deletes = items.filter { $0.object?[D.marker] == .string(D.delete) }
            items.removeAll { $0.object?[D.marker] == .string(D.delete) }
        }
        let keyed = items.enumerated().map { (offset: $0.offset, item: $0.element, rank: index(of: $0.element, in: order, mergeKey: mergeKey) ?? Int.max) }
        let sorted = keyed.sorted { ($0.rank, $0.offset) < ($1.rank, $1.offset) }
        return sorted.map(\.item) + deletes
    }

    /// Position of `item` in `list`, matching objects by merge-key value and scalars by value.
    static func index(of item: JSON, in list: [JSON], mergeKey: String?) -> Int? {
        guard let mergeKey else { return list.firstIndex(of: item) }
        let value = item.object?[mergeKey]
        return list.firstIndex { $0.object?[mergeKey] == value }
    }

    /// Splits `list` into the elements present in `reference` (by merge key, or by value for scalars) and the rest.
    static func partition(_ list: [JSON], presentIn reference: [JSON], mergeKey: String?) throws(PatchError) -> ([JSON], [JSON]) {
        var present: [JSON] = []
        var absent: [JSON] = []
        guard let mergeKey else {
            for v in list { if reference.contains(v) { present.append(v) } else { absent.append(v) } }
            return (present, absent)
        }
        if !list.isEmpty, let bad = reference.firstIndex(where: { !$0.isObject }) {
            throw .plainError("value for key \(bad) is not a map.")
        }
        for v in list {
            guard case .object(let o) = v else { throw badArgType("map[string]interface {}", v) }
            guard let keyValue = o[mergeKey] else { throw noMergeKey(v, mergeKey) }
            if reference.contains(where: { $0.object?[mergeKey] == keyValue }) { present.append(v) } else { absent.append(v) }
        }
        return (present, absent)
    }

    /// Upstream's `validatePatchWithSetOrderList`: the patch's elements (deletions and other directives aside)
    /// must appear in the `$setElementOrder` list, in the same relative order.
    static func validateOrder(of patchList: [JSON], against order: [JSON], mergeKey: String?) throws(PatchError) {
        if order.isEmpty || patchList.isEmpty { return }
        var elements = patchList
        if mergeKey != nil {
            for element in patchList where !element.isObject { throw badArgType("map[string]interface {}", element) }
            elements.removeAll { $0.object?[D.marker] == .string(D.delete) }
        }
        var p = 0
        var s = 0
        while p < elements.count && s < order.count {
            if elements[p].object?[D.marker] != nil {
                p += 1
                continue
            }
            if try mergeKeyValueEqual(elements[p], order[s], mergeKey: mergeKey) { p += 1 }
            s += 1
        }
        if p < elements.count && s >= order.count {
            throw .plainError(
                "The order in patch list:\n\(GoValueFormat.string(.array(patchList)))\n doesn't match \(D.setElementOrder) list:\n\(GoValueFormat.string(.array(order)))\n")
        }
    }

    private static func mergeKeyValueEqual(_ left: JSON, _ right: JSON, mergeKey: String?) throws(PatchError) -> Bool {
        guard let mergeKey else { return left == right }
        guard case .object(let l) = left else { throw badArgType("map[string]interface {}", left) }
        guard case .object(let r) = right else { throw badArgType("map[string]interface {}", right) }
        guard let lv = l[mergeKey] else { throw noMergeKey(left, mergeKey) }
        guard let rv = r[mergeKey] else { throw noMergeKey(right, mergeKey) }
        return lv == rv
    }

    // MARK: - Values

    enum ElementKind: Equatable { case object, array, string, bool, int, double, null }

    /// The common element type of the lists, nil when they are all empty. Lists of lists are refused (422) and
    /// mixed element types are an error, as in upstream's `sliceElementType`.
    static func elementKind(_ lists: [[JSON]]) throws(PatchError) -> ElementKind? {
        var kind: ElementKind?
        for list in lists {
            for v in list {
                let k: ElementKind
                switch v {
                case .object: k = .object
                case .array: k = .array
                case .string: k = .string
                case .bool: k = .bool
                case .int: k = .int
                case .double: k = .double
                case .null: k = .null
                }
                if let kind {
                    if kind != k {
                        throw .plainError("list element types are not identical: \(GoValueFormat.string(lists: lists))")
                    }
                } else {
                    if k == .array { throw .unprocessable("lists of lists are not supported") }
                    kind = k
                }
            }
        }
        return kind
    }

    /// Removes later duplicates, keeping first occurrences (the order is re-established afterwards).
    static func deduplicated(_ list: [JSON]) -> [JSON] {
        var seen = Set<JSON>()
        return list.filter { seen.insert($0).inserted }
    }

    /// Upstream's `discardNullValuesFromPatch` + `removeDirectives`, applied to a value that lands where the
    /// original has nothing to merge with (or something of another type): `null` members are dropped and so
    /// is every map carrying `$patch` (nil when `value` itself is one). Parallel-list and `$retainKeys` keys are
    /// dropped too, as decoding into the typed object would.
    static func withoutDirectives(_ value: JSON) -> JSON? {
        switch value {
        case .object(let o):
            if o[D.marker] != nil { return nil }
            var out: [String: JSON] = [:]
            for (k, v) in o where v != .null && !D.isDirectiveKey(k) {
                if let kept = withoutDirectives(v) { out[k] = kept }
            }
            return .object(out)
        case .array(let a):
            return .array(a.compactMap(withoutDirectives))
        default:
            return value
        }
    }

    /// A patch value upstream stores as is (a replacing list or map, `$patch: replace` content, a new element
    /// of a merge list) and then decodes into the typed object, which drops `null` members and unknown `$`
    /// keys but keeps the maps that held them.
    static func decoded(_ value: JSON) -> JSON {
        switch value {
        case .object(let o): return .object(decoded(o))
        case .array(let a): return .array(a.map(decoded))
        default: return value
        }
    }

    static func decoded(_ object: [String: JSON]) -> [String: JSON] {
        var out: [String: JSON] = [:]
        for (k, v) in object where v != .null && !D.isDirectiveKey(k) { out[k] = decoded(v) }
        return out
    }

    /// `$deleteFromPrimitiveList/<field>` → `<field>`; a key without the exact `prefix/` form is a 400.
    static func extractKey(_ key: String, prefix: String) throws(PatchError) -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == prefix else {
            throw .badRequest(
                prefix == D.deleteFromPrimitiveList
                    ? "invalid patch format of primitive list" : "invalid patch format of setElementOrder list")
        }
        return String(parts[1])
    }

    // MARK: - Errors (upstream's wording; all plain errors upstream, hence 500)

    static func noMergeKey(_ element: JSON, _ key: String) -> PatchError {
        .plainError("map: \(GoValueFormat.string(element)) does not contain declared merge key: \(key)")
    }

    static func badArgType(_ expected: String, _ actual: JSON?) -> PatchError {
        .plainError("expected a \(expected), but received a \(GoValueFormat.typeName(actual))")
    }

    static func unknownPatchType(_ directive: JSON, in map: JSON) -> PatchError {
        let shown: String
        switch directive {
        case .string(let s): shown = s
        case .null: shown = "%!s(<nil>)"
        default: shown = "%!s(\(GoValueFormat.typeName(directive))=\(GoValueFormat.string(directive)))"
        }
        return .plainError("unknown patch type: \(shown) in map: \(GoValueFormat.string(map))")
    }

    static func noMergeKeyForType(_ field: SMPField) -> PatchError {
        .plainError("cannot merge lists without merge key for \(field.node?.items?.isStruct == false ? "map" : "struct")")
    }
}

extension SMPField {
    /// The merge key, treating an empty annotation as none.
    var usableMergeKey: String? {
        guard let mergeKey, !mergeKey.isEmpty else { return nil }
        return mergeKey
    }
}

/// A list as a Go slice header sees it: `visible` is the caller's fixed-length view of the backing array,
/// `current` the slice being edited (deletions shift the array left in place; appends write into the array
/// while it has room, which is at least the original length).
struct SharedBacking {
    private var storage: [JSON]
    private var length: Int
    private var detached = false

    init(_ list: [JSON]) {
        storage = list
        length = list.count
    }

    var visible: [JSON] { storage }
    var current: [JSON] { Array(storage[..<length]) }

    /// Go's repeated `append(s[:k], s[k+1:]...)` for every matching element.
    mutating func removeAll(where matches: (JSON) -> Bool) {
        guard !detached else { return }
        while let k = storage[..<length].firstIndex(where: matches) {
            for i in k..<(length - 1) { storage[i] = storage[i + 1] }
            length -= 1
        }
    }

    mutating func append(_ value: JSON) {
        guard !detached else { return }
        if length < storage.count { storage[length] = value }
        length += 1
    }

    mutating func set(_ value: JSON, at index: Int) {
        guard !detached, index < storage.count else { return }
        storage[index] = value
    }

    mutating func detach() { detached = true }
}
