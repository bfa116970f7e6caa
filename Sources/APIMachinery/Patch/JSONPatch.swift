/// RFC 6902 JSON Patch (`application/json-patch+json`): an ordered list of `add`, `remove`, `replace`, `move`,
/// `copy` and `test` operations addressed by JSON Pointers.
///
/// Semantics follow evanphx/json-patch v4 as the v1.32 API server uses it, which is RFC 6902 plus a few
/// leniencies clients can observe: negative array indices count from the end, an `add` without `value` adds
/// `null`, and operations on the document root (`""`) are refused. The patch is all-or-nothing: the first
/// failing operation throws and the caller keeps the original.
public enum JSONPatch {
    /// Upstream refuses longer patches with 413 (`maxJSONPatchOperations`).
    public static let maxOperations = 10_000

    /// One decoded operation.
    public struct Operation: Sendable, Equatable {
        public var op: String
        public var path: String?
        public var from: String?
        /// Nil when the operation has no `value` member (distinct from an explicit `null`).
        public var value: JSON?
    }

    /// Decodes a patch document. Throws 400 as upstream's strict decoder does when the body is not a list of
    /// objects whose `op`/`path`/`from` are strings; `null` is an empty patch.
    public static func decode(_ patch: JSON) throws(PatchError) -> [Operation] {
        let items: [JSON]
        switch patch {
        case .null: return []
        case .array(let a): items = a
        default:
            throw .badRequest(
                "error decoding patch: json: cannot unmarshal \(GoValueFormat.jsonKind(patch)) into Go value of type []handlers.jsonPatchOp")
        }
        if items.count > maxOperations {
            throw PatchError(.tooLarge, "The allowed maximum operations in a JSON patch is \(maxOperations), got \(items.count)")
        }
        var ops: [Operation] = []
        ops.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .null:
                // Go decodes `null` into an operation with no members; applying it fails as an unknown kind.
                ops.append(Operation(op: "unknown", path: nil, from: nil, value: nil))
                continue
            case .object(let o):
                for field in ["op", "path", "from"] {
                    if let v = o[field], v != .null, v.string == nil {
                        throw .badRequest(
                            "error decoding patch: json: cannot unmarshal \(GoValueFormat.jsonKind(v)) into Go struct field jsonPatchOp.\(field) of type string")
                    }
                }
                ops.append(Operation(op: o["op"]?.string ?? "unknown", path: o["path"]?.string, from: o["from"]?.string, value: o["value"]))
            default:
                throw .badRequest(
                    "error decoding patch: json: cannot unmarshal \(GoValueFormat.jsonKind(item)) into Go value of type handlers.jsonPatchOp")
            }
        }
        return ops
    }

    /// Applies a patch document to `document` and returns the result; `document` itself is a value and is never
    /// changed. Throws `PatchError` (400 for a malformed patch, 422 when an operation cannot be applied).
    public static func apply(_ patch: JSON, to document: JSON) throws(PatchError) -> JSON {
        try apply(decode(patch), to: document)
    }

    public static func apply(_ operations: [Operation], to document: JSON) throws(PatchError) -> JSON {
        var doc = document
        for operation in operations {
            try perform(operation, on: &doc)
        }
        return doc
    }

    // MARK: - Operations

    private static func perform(_ operation: Operation, on doc: inout JSON) throws(PatchError) {
        switch operation.op {
        case "add":
            let path = try requirePath(operation, "add")
            try add(operation.value ?? .null, at: path, in: &doc, op: "add")
        case "remove":
            let path = try requirePath(operation, "remove")
            _ = try remove(at: path, in: &doc, op: "remove")
        case "replace":
            let path = try requirePath(operation, "replace")
            try replace(at: path, with: operation.value ?? .null, in: &doc)
        case "move":
            let from = try requireFrom(operation, "move")
            let value = try remove(at: from, in: &doc, op: "move")
            let path = try requirePath(operation, "move")
            try add(value, at: path, in: &doc, op: "move")
        case "copy":
            let from = try requireFrom(operation, "copy")
            let (fromParent, fromKey) = try split(from, op: "copy", what: "from path")
            guard let value = JSONPointer(tokens: fromParent.tokens + [fromKey]).value(in: doc) else {
                throw .unprocessable("error in copy for from: '\(from)': unable to get nonexistent key: \(fromKey): missing value")
            }
            let path = try requirePath(operation, "copy")
            try add(value, at: path, in: &doc, op: "copy")
        case "test":
            let path = try requirePath(operation, "test")
            let (parent, key) = try split(path, op: "test", what: "path")
            guard let current = JSONPointer(tokens: parent.tokens + [key]).value(in: doc) else {
                throw .unprocessable("error in test for path: '\(path)': unable to get nonexistent key: \(key): missing value")
            }
            guard let expected = operation.value, expected == current else {
                throw .unprocessable("testing value \(path) failed: test failed")
            }
        default:
            throw .unprocessable("Unexpected kind: \(operation.op)")
        }
    }

    private static func requirePath(_ o: Operation, _ op: String) throws(PatchError) -> String {
        guard let p = o.path else { throw .unprocessable("\(op) operation failed to decode path: missing value") }
        return p
    }

    private static func requireFrom(_ o: Operation, _ op: String) throws(PatchError) -> String {
        guard let f = o.from else { throw .unprocessable("\(op) operation failed to decode from: missing value") }
        return f
    }

    /// Splits a pointer into its parent and last token. The root pointer has no parent: upstream cannot
    /// operate on the whole document and reports the path as missing.
    private static func split(_ path: String, op: String, what: String) throws(PatchError) -> (JSONPointer, String) {
        guard let pointer = JSONPointer(path), let last = pointer.tokens.last else {
            throw .unprocessable("\(op) operation does not apply: doc is missing \(what): \"\(path)\": missing value")
        }
        return (JSONPointer(tokens: Array(pointer.tokens.dropLast())), last)
    }

    private static func add(_ value: JSON, at path: String, in doc: inout JSON, op: String) throws(PatchError) {
        let (parent, key) = try split(path, op: op, what: op == "add" ? "path" : "destination path")
        try modifyContainer(at: parent, in: &doc, missing: "\(op) operation does not apply: doc is missing path: \"\(path)\": missing value") {
            (container: inout JSON) throws(PatchError) in
            switch container {
            case .object(var o):
                o[key] = value
                container = .object(o)
            case .array(var a):
                if key == "-" {
                    a.append(value)
                } else {
                    guard Int(key) != nil else {
                        throw .unprocessable("error in \(op) for path: '\(path)': value was not a proper array index: '\(key)'")
                    }
                    guard let i = JSONPointer.arrayIndex(key, count: a.count, allowEnd: true) else {
                        throw .unprocessable("error in \(op) for path: '\(path)': Unable to access invalid index: \(key): invalid index referenced")
                    }
                    a.insert(value, at: i)
                }
                container = .array(a)
            default:
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\": missing value")
            }
        }
    }

    /// Removes and returns the value at `path`.
    private static func remove(at path: String, in doc: inout JSON, op: String) throws(PatchError) -> JSON {
        let (parent, key) = try split(path, op: op, what: op == "remove" ? "path" : "from path")
        var removed: JSON = .null
        try modifyContainer(at: parent, in: &doc, missing: "\(op) operation does not apply: doc is missing path: \"\(path)\": missing value") {
            (container: inout JSON) throws(PatchError) in
            switch container {
            case .object(var o):
                guard let v = o.removeValue(forKey: key) else {
                    throw .unprocessable("error in \(op) for path: '\(path)': Unable to remove nonexistent key: \(key): missing value")
                }
                removed = v
                container = .object(o)
            case .array(var a):
                guard let i = JSONPointer.arrayIndex(key, count: a.count, allowEnd: false) else {
                    throw .unprocessable("error in \(op) for path: '\(path)': Unable to access invalid index: \(key): invalid index referenced")
                }
                removed = a.remove(at: i)
                container = .array(a)
            default:
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\": missing value")
            }
        }
        return removed
    }

    private static func replace(at path: String, with value: JSON, in doc: inout JSON) throws(PatchError) {
        let (parent, key) = try split(path, op: "replace", what: "path")
        try modifyContainer(at: parent, in: &doc, missing: "replace operation does not apply: doc is missing path: \(path): missing value") {
            (container: inout JSON) throws(PatchError) in
            switch container {
            case .object(var o):
                guard o[key] != nil else {
                    throw .unprocessable("replace operation does not apply: doc is missing key: \(path): missing value")
                }
                o[key] = value
                container = .object(o)
            case .array(var a):
                guard let i = JSONPointer.arrayIndex(key, count: a.count, allowEnd: false) else {
                    throw .unprocessable("replace operation does not apply: doc is missing key: \(path): missing value")
                }
                a[i] = value
                container = .array(a)
            default:
                throw .unprocessable("replace operation does not apply: doc is missing path: \(path): missing value")
            }
        }
    }

    /// Walks to the container at `pointer` and lets `body` change it in place. Intermediate steps must be
    /// existing object members or in-range array indices, as in upstream's `findObject`.
    private static func modifyContainer(
        at pointer: JSONPointer, in doc: inout JSON, missing: String,
        _ body: (inout JSON) throws(PatchError) -> Void
    ) throws(PatchError) {
        try modify(&doc, pointer.tokens[...], missing: missing, body)
    }

    private static func modify(
        _ node: inout JSON, _ tokens: ArraySlice<String>, missing: String,
        _ body: (inout JSON) throws(PatchError) -> Void
    ) throws(PatchError) {
        guard let token = tokens.first else {
            try body(&node)
            return
        }
        let rest = tokens.dropFirst()
        // Each level is taken out of its parent while it changes so that storage stays uniquely referenced
        // and is edited in place rather than copied; on a throw the caller's document is discarded anyway.
        switch node {
        case .object(var o):
            guard var child = o[token], child.isContainer else { throw .unprocessable(missing) }
            node = .null
            o[token] = nil
            try modify(&child, rest, missing: missing, body)
            o[token] = child
            node = .object(o)
        case .array(var a):
            guard let i = JSONPointer.arrayIndex(token, count: a.count, allowEnd: false), a[i].isContainer else {
                throw .unprocessable(missing)
            }
            node = .null
            var child = a[i]
            a[i] = .null
            try modify(&child, rest, missing: missing, body)
            a[i] = child
            node = .array(a)
        default:
            throw .unprocessable(missing)
        }
    }
}

extension JSON {
    /// True for objects and arrays, the only values a JSON Pointer can step into.
    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }
}
