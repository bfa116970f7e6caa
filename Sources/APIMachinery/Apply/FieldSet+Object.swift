import Foundation

extension FieldSet {
    /// Every field an object sets, as ownership sees it (upstream's `TypedValue.ToFieldSet`): each scalar
    /// leaf, each atomic list or atomic map as one leaf, each list-map or set element (and the fields inside
    /// it), each map entry, and each field that is `null` or `{}`. Declared struct fields that have
    /// content are not tracked themselves, only what is inside them.
    ///
    /// `schema` is the root node of the object's kind; without one every object is a granular map and
    /// every list atomic. List elements whose key cannot be formed (a missing key field) are left out; use
    /// `ServerSideApply.apply` to have them reported.
    public static func of(_ object: JSON, schema: SchemaNode?) -> FieldSet {
        var errors: [(String, String)] = []
        return of(object, type: FieldType(node: schema), errors: &errors)
    }

    /// Same, reporting malformed list elements and duplicates as upstream does for an applied object.
    static func checked(_ object: JSON, type: FieldType) throws(TypedValueErrors) -> FieldSet {
        var errors: [(String, String)] = []
        let set = of(object, type: type, errors: &errors, rejectDuplicates: true)
        if !errors.isEmpty { throw TypedValueErrors(errors: errors.map { (path: $0.0, message: $0.1) }) }
        return set
    }

    static func of(
        _ object: JSON, type: FieldType, errors: inout [(String, String)], rejectDuplicates: Bool = false
    ) -> FieldSet {
        var set = FieldSet()
        var walker = FieldSetWalker(set: set, rejectDuplicates: rejectDuplicates)
        walker.walk(object, type, path: [])
        set = walker.set
        errors = walker.errors
        return set
    }
}

private struct FieldSetWalker {
    var set: FieldSet
    let rejectDuplicates: Bool
    var errors: [(String, String)] = []

    init(set: FieldSet, rejectDuplicates: Bool) {
        self.set = set
        self.rejectDuplicates = rejectDuplicates
    }

    mutating func walk(_ value: JSON, _ type: FieldType, path: FieldPath) {
        switch value {
        case .object(let o):
            if type.isAtomicMap {
                set.insert(path)
                return
            }
            for (key, v) in o {
                let (childType, declared) = type.child(key)
                let childPath = path + [.field(key)]
                walk(v, childType, path: childPath)
                // Declared fields are tracked through their content; a null or empty one has none, so
                // it is tracked itself. Map entries are always tracked.
                if v.isNull || v.object?.isEmpty == true || !declared { set.insert(childPath) }
            }
        case .array(let items):
            if type.listKind == .atomic {
                set.insert(path)
                return
            }
            var seen: Set<PathElement> = []
            for (i, item) in items.enumerated() {
                let pe: PathElement
                do {
                    pe = try type.elementPathElement(item, at: i)
                } catch {
                    errors.append((path.fieldPathString, "element \(i): \(error.message)"))
                    continue
                }
                if rejectDuplicates, !seen.insert(pe).inserted {
                    errors.append((path.fieldPathString, "duplicate entries for key \(pe.description)"))
                    continue
                }
                let childPath = path + [pe]
                walk(item, type.element, path: childPath)
                set.insert(childPath)
            }
        default:
            set.insert(path)
        }
    }
}
