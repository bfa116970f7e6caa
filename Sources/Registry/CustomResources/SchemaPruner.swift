import APIMachinery

/// Upstream's structural pruning of custom resources: fields the schema does not specify are dropped,
/// unless `x-kubernetes-preserve-unknown-fields` keeps them; `apiVersion`, `kind` and `metadata` survive at
/// the root and in `x-kubernetes-embedded-resource` objects, where metadata keeps only ObjectMeta's fields.
/// The dropped paths are what strict field validation reports (`unknown field "spec.foo"`).
public struct SchemaPruner: Sendable {
    public let root: JSON

    public init(schema: JSON) { root = schema }

    /// ObjectMeta's JSON fields: everything else under `metadata` is unknown.
    static let objectMetaFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// The pruned object and the paths of the fields removed, sorted as strict validation lists them.
    public func prune(_ object: JSON) -> (JSON, [String]) {
        var unknown: [String] = []
        let out = walk(object, root, path: "", isResource: true, into: &unknown)
        return (out, unknown.sorted())
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func walk(_ value: JSON, _ schema: JSON?, path: String, isResource: Bool, into unknown: inout [String]) -> JSON {
        switch value {
        case .object(let fields):
            let preserve = schema?["x-kubernetes-preserve-unknown-fields"]?.bool == true
            let props = schema?["properties"]?.object
            let extra = schema?["additionalProperties"]
            var out: [String: JSON] = [:]
            for (key, v) in fields {
                let childPath = join(path, key)
                if isResource && (key == "apiVersion" || key == "kind") {
                    out[key] = v
                } else if isResource && key == "metadata" {
                    out[key] = pruneMetadata(v, path: childPath, into: &unknown)
                } else if let child = props?[key] {
                    out[key] = walk(v, child, path: childPath, isResource: child["x-kubernetes-embedded-resource"]?.bool == true, into: &unknown)
                } else if let extra, extra.isObject {
                    out[key] = walk(v, extra, path: childPath, isResource: false, into: &unknown)
                } else if extra?.bool == true || preserve {
                    out[key] = v
                } else {
                    unknown.append(childPath)
                }
            }
            return .object(out)
        case .array(let items):
            let itemSchema = schema?["items"]
            return .array(items.enumerated().map { i, item in
                walk(item, itemSchema, path: "\(path)[\(i)]", isResource: itemSchema?["x-kubernetes-embedded-resource"]?.bool == true, into: &unknown)
            })
        default:
            return value
        }
    }

    private func pruneMetadata(_ value: JSON, path: String, into unknown: inout [String]) -> JSON {
        guard case .object(let fields) = value else { return value }
        var out: [String: JSON] = [:]
        for (key, v) in fields {
            if Self.objectMetaFields.contains(key) { out[key] = v } else { unknown.append("\(path).\(key)") }
        }
        return .object(out)
    }
}

/// Upstream's structural defaulting: a property with a `default` that is absent (or null while not
/// nullable) gets the default, recursively, on create, update and every read from storage.
public struct SchemaDefaulter: Sendable {
    public let root: JSON

    public init(schema: JSON) { root = schema }

    /// Whether the schema has any default at all (most don't: reads then skip the walk).
    public var hasDefaults: Bool { Self.containsDefault(root) }

    private static func containsDefault(_ s: JSON) -> Bool {
        guard case .object(let o) = s else { return false }
        if o["default"] != nil { return true }
        if let props = o["properties"]?.object, props.values.contains(where: containsDefault) { return true }
        if let items = o["items"], containsDefault(items) { return true }
        if let extra = o["additionalProperties"], containsDefault(extra) { return true }
        return false
    }

    public func apply(_ object: inout JSON) {
        object = walk(object, root, isRoot: true)
    }

    private func walk(_ value: JSON, _ schema: JSON, isRoot: Bool = false) -> JSON {
        switch value {
        case .object(var fields):
            if let props = schema["properties"]?.object {
                for (key, child) in props {
                    if isRoot && (key == "metadata" || key == "apiVersion" || key == "kind") { continue }
                    if let d = child["default"] {
                        if fields[key] == nil || (fields[key]!.isNull && child["nullable"]?.bool != true) {
                            fields[key] = d
                        }
                    }
                    if let v = fields[key] { fields[key] = walk(v, child) }
                }
            }
            if let extra = schema["additionalProperties"], extra.isObject {
                for (key, v) in fields where schema["properties"]?[key] == nil { fields[key] = walk(v, extra) }
            }
            return .object(fields)
        case .array(let items):
            guard let itemSchema = schema["items"] else { return value }
            return .array(items.map { walk($0, itemSchema) })
        default:
            return value
        }
    }
}
