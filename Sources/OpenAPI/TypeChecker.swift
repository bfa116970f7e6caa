import APIMachinery

/// Finds the first value of a request body whose JSON type the kind's schema does not allow — what upstream's
/// decoding into Go structs refuses (`json: cannot unmarshal number into Go struct field ConfigMap.data of
/// type string`), so that a body a typed client could not read back is never stored.
///
/// Go's rules, followed here: `null` fits everything; an integer field takes only a number literal without
/// fraction or exponent that fits its width (else the literal is named: `number 2147483648`); IntOrString,
/// Quantity, Time, `RawExtension`, `FieldsV1` and preserve-unknown-fields nodes are opaque. The message names
/// the innermost Go struct and the field's JSON path from the root without indexes or map keys, as
/// `encoding/json` does.
public struct TypeChecker: Sendable {
    public let schema: Schema

    public init(schema: Schema = .shared) {
        self.schema = schema
    }

    /// The decoding error for `object`, or nil when every value has its declared type.
    public func firstError(in object: JSON, group: String, version: String, kind: String) -> String? {
        guard let root = schema.node(group: group, version: version, kind: kind) else { return nil }
        return check(object, root, structName: kind, path: "")
    }

    static let opaque: Set<String> = [
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.apimachinery.pkg.api.resource.Quantity",
        "io.k8s.apimachinery.pkg.runtime.RawExtension", "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
    ]

    private func isOpaque(_ node: SchemaNode) -> Bool {
        if let d = node.definitionName, Self.opaque.contains(d) { return true }
        if node.isIntOrString || node.preservesUnknownFields { return true }
        return node.type == nil && node.raw["properties"] == nil && node.raw["items"] == nil && node.raw["additionalProperties"] == nil
    }

    /// Go's spelling of the node's type: `string`, `int32`, `[]v1.Container`, `map[string]string`, `v1.PodSpec`.
    func goType(_ node: SchemaNode) -> String {
        if let d = node.definitionName {
            switch d {
            case "io.k8s.apimachinery.pkg.util.intstr.IntOrString": return "intstr.IntOrString"
            case "io.k8s.apimachinery.pkg.api.resource.Quantity": return "resource.Quantity"
            default: break
            }
            if node.raw["properties"] != nil || node.type == "object" || node.type == nil {
                let parts = d.split(separator: ".")
                if parts.count >= 2 { return "\(parts[parts.count - 2]).\(parts[parts.count - 1])" }
            }
        }
        switch node.type {
        case "string": return node.format == "byte" ? "[]uint8" : "string"
        case "integer": return node.format == "int32" ? "int32" : "int64"
        case "number": return "float64"
        case "boolean": return "bool"
        case "array": return "[]" + (node.items.map(goType) ?? "interface {}")
        case "object":
            if let values = node.additionalProperties { return "map[string]" + goType(values) }
            return "map[string]interface {}"
        default: return "interface {}"
        }
    }

    private func mismatch(_ value: String, _ node: SchemaNode, _ structName: String, _ path: String) -> String {
        if path.isEmpty { return "json: cannot unmarshal \(value) into Go value of type \(goType(node))" }
        return "json: cannot unmarshal \(value) into Go struct field \(structName).\(path) of type \(goType(node))"
    }

    /// Go prints the literal as written; the parsed number is the closest this can give (`1e20`).
    static func literal(_ d: Double) -> String {
        "\(d)".replacingPlusExponent()
    }

    private func check(_ value: JSON, _ node: SchemaNode, structName: String, path: String) -> String? {
        if case .null = value { return nil }
        if isOpaque(node) { return nil }
        switch node.type {
        case "string":
            if case .string = value { return nil }
            return mismatch(GoValueFormat.jsonKind(value), node, structName, path)
        case "boolean":
            if case .bool = value { return nil }
            return mismatch(GoValueFormat.jsonKind(value), node, structName, path)
        case "integer":
            switch value {
            case .int(let i):
                if node.format == "int32", i < Int64(Int32.min) || i > Int64(Int32.max) {
                    return mismatch("number \(i)", node, structName, path)
                }
                return nil
            case .double(let d):
                return mismatch("number \(Self.literal(d))", node, structName, path)
            default:
                return mismatch(GoValueFormat.jsonKind(value), node, structName, path)
            }
        case "number":
            switch value {
            case .int, .double: return nil
            default: return mismatch(GoValueFormat.jsonKind(value), node, structName, path)
            }
        case "array":
            guard case .array(let elements) = value else { return mismatch(GoValueFormat.jsonKind(value), node, structName, path) }
            guard let items = node.items else { return nil }
            for e in elements {
                if let err = check(e, items, structName: structName, path: path) { return err }
            }
            return nil
        default:
            // Objects: structs (declared properties) or maps (additionalProperties).
            guard case .object(let fields) = value else { return mismatch(GoValueFormat.jsonKind(value), node, structName, path) }
            if node.raw["properties"] != nil {
                let inner = node.definitionName.map { String($0.split(separator: ".").last ?? "") } ?? structName
                for key in fields.keys.sorted() {
                    guard let child = node.property(key) else { continue }
                    let childPath = path.isEmpty ? key : "\(path).\(key)"
                    if let err = check(fields[key]!, child, structName: inner, path: childPath) { return err }
                }
            } else if let values = node.additionalProperties {
                for key in fields.keys.sorted() {
                    if let err = check(fields[key]!, values, structName: structName, path: path) { return err }
                }
            }
            return nil
        }
    }
}

extension String {
    fileprivate func replacingPlusExponent() -> String {
        var out = ""
        var previous: Character? = nil
        for c in self {
            defer { previous = c }
            if c == "+" && previous == "e" { continue }
            out.append(c)
        }
        return out
    }
}
