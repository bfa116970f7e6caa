import Foundation

/// How one position of an object merges and how its ownership is tracked, read from the schema the way
/// upstream's schema conversion reads the OpenAPI annotations.
///
/// Without a schema (or below a schema node that declares nothing) the position is *deduced*, like
/// structured-merge-diff's untyped values: objects are granular maps whose entries are tracked one by one,
/// and lists are atomic.
struct FieldType {
    let node: SchemaNode?

    static let deduced = FieldType(node: nil)

    enum ListKind: Equatable {
        /// Replaced and owned as a whole.
        case atomic
        /// Scalars merged by value (`x-kubernetes-list-type: set`).
        case set
        /// Objects merged by these key fields (`x-kubernetes-list-type: map`).
        case map([String])
    }

    /// `x-kubernetes-list-type` first, then the strategic-merge annotations, atomic by default
    /// (upstream's `getListElementRelationship`).
    var listKind: ListKind {
        guard let node else { return .atomic }
        switch node.listType {
        case "atomic": return .atomic
        case "set": return .set
        case "map":
            let keys = node.listMapKeys
            return keys.isEmpty ? .atomic : .map(keys)
        default: break
        }
        let strategies = node.patchStrategies
        if strategies.contains("merge") {
            if let key = node.patchMergeKey { return .map([key]) }
            return .set
        }
        return .atomic
    }

    /// `x-kubernetes-map-type: atomic` (label selectors, object references, ...).
    var isAtomicMap: Bool { node?.mapType == "atomic" }

    /// The type of a field or map entry, and whether it is a declared field of a struct. Declared fields
    /// with children are not tracked themselves; map entries always are.
    func child(_ name: String) -> (type: FieldType, declared: Bool) {
        guard let node else { return (.deduced, false) }
        if let p = node.property(name) { return (FieldType(node: p), true) }
        if let a = node.additionalProperties { return (FieldType(node: a), false) }
        return (.deduced, false)
    }

    func isDeclared(_ name: String) -> Bool { node?.property(name) != nil }

    /// A required field of a struct: Go has no `omitempty` on it, so even an empty typed object holds it.
    func isRequired(_ name: String) -> Bool { node?.required.contains(name) ?? false }

    /// Element type of a list.
    var element: FieldType { FieldType(node: node?.items) }

    /// The value a list-map key takes when an element omits it. The published schema carries no
    /// defaults, so the one defaulted key field upstream has (`protocol` of container and service ports,
    /// `+default="TCP"`) is known here.
    func keyDefault(_ key: String) -> JSON? {
        if let p = node?.items?.property(key), let d = p.site["default"] ?? p.raw["default"] { return d }
        return key == "protocol" ? "TCP" : nil
    }

    /// True for structs that Go embeds by value (`metadata`, `spec`, `status`, `template`, `strategy`,
    /// `resources`): they exist in every typed object, even an empty one, so upstream never reports them
    /// as added or removed, only their fields. Pointer structs (`rollingUpdate`, `securityContext`) do get
    /// reported, which is why their `fieldsV1` shows `".": {}`.
    var isEmbeddedStruct: Bool {
        guard let node, node.raw["properties"] != nil, let name = node.definitionName else { return false }
        let last = name.split(separator: ".").last.map(String.init) ?? name
        return last == "ObjectMeta" || last.hasSuffix("Spec") || last.hasSuffix("Status")
            || last.hasSuffix("Strategy") || last == "ResourceRequirements"
    }
}

/// Failures turning an object into field paths: a list-map element without its key, a duplicate element.
/// Messages follow structured-merge-diff's `ValidationError`: `.spec.containers: element 0: associative
/// list with keys has an element that omits key field "name" (and doesn't have default value)`.
struct TypedValueErrors: Error {
    var errors: [(path: String, message: String)]

    init(path: FieldPath, _ message: String) {
        errors = [(path.fieldPathString, message)]
    }

    init(errors: [(path: String, message: String)]) { self.errors = errors }

    /// `ValidationErrors.Error()`: one error inline, several as an indented list.
    var text: String {
        let rendered = errors.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }
        if rendered.count == 1 { return rendered[0] }
        return (["errors:"] + rendered.map { "  " + $0 }).joined(separator: "\n")
    }
}

extension FieldType {
    /// The path element naming one list element, or an error in upstream's words.
    func elementPathElement(_ item: JSON, at index: Int) throws(TypedValueErrorMessage) -> PathElement {
        switch listKind {
        case .atomic:
            return .index(index)
        case .set:
            switch item {
            case .object: throw TypedValueErrorMessage("associative list without keys has an element that's a map type")
            case .array: throw TypedValueErrorMessage("not supported: associative list with lists as elements")
            case .null: throw TypedValueErrorMessage("associative list without keys has an element that's an explicit null")
            default: return .value(PathElement.normalized(item))
            }
        case .map(let keys):
            guard case .object(let o) = item else {
                if item.isNull { throw TypedValueErrorMessage("associative list with keys may not have a null element") }
                throw TypedValueErrorMessage("associative list with keys may not have non-map elements")
            }
            var fields: [(String, JSON)] = []
            for k in keys {
                if let v = o[k] {
                    fields.append((k, v))
                } else if let d = keyDefault(k) {
                    fields.append((k, d))
                } else {
                    throw TypedValueErrorMessage(
                        "associative list with keys has an element that omits key field \(GoText.quote(k)) (and doesn't have default value)")
                }
            }
            return .keyed(fields)
        }
    }
}

struct TypedValueErrorMessage: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
