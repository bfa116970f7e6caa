import APIMachinery

/// Finds the fields of a request body that the kind's published schema does not declare.
///
/// Upstream decodes bodies into Go structs and reports every JSON key no struct field claims; this walks the
/// same structure in the schema. Objects with declared `properties` are structs (their unknown keys are
/// reported, and nothing below an unknown key is inspected); `additionalProperties` maps accept any key and
/// check each value; `x-kubernetes-preserve-unknown-fields`, IntOrString, Quantity, `FieldsV1` and
/// `RawExtension` are opaque. A value of the wrong JSON type is left alone: that is a decoding error, not an
/// unknown field, and is reported elsewhere.
public struct FieldValidator: Sendable {
    public let schema: Schema

    public init(schema: Schema = .shared) {
        self.schema = schema
    }

    /// Paths of unknown fields as upstream prints them (`spec.containers[0].imagee`, `metadata.labelz`), sorted
    /// within each object and depth first. Empty when the kind has no published schema.
    public func unknownFields(in object: JSON, group: String, version: String, kind: String) -> [String] {
        guard let root = schema.node(group: group, version: version, kind: kind) else { return [] }
        var found: [String] = []
        walk(object, root, path: "", into: &found)
        return found
    }

    private func walk(_ value: JSON, _ node: SchemaNode, path: String, into found: inout [String]) {
        switch value {
        case .object(let fields):
            if node.isStruct {
                for key in fields.keys.sorted() {
                    let childPath = path.isEmpty ? key : "\(path).\(key)"
                    if let child = node.property(key) {
                        walk(fields[key]!, child, path: childPath, into: &found)
                    } else {
                        found.append(childPath)
                    }
                }
            } else if !node.preservesUnknownFields, let values = node.additionalProperties {
                for key in fields.keys.sorted() {
                    walk(fields[key]!, values, path: path.isEmpty ? key : "\(path).\(key)", into: &found)
                }
            }
        case .array(let elements):
            guard let items = node.items else { return }
            for (i, element) in elements.enumerated() {
                walk(element, items, path: "\(path)[\(i)]", into: &found)
            }
        default:
            return
        }
    }
}

/// The `fieldValidation` query parameter of POST, PUT and PATCH.
public enum FieldValidationDirective: String, Sendable, CaseIterable {
    case ignore = "Ignore"
    case warn = "Warn"
    case strict = "Strict"

    /// Upstream's reading of the parameter: absent or empty means Warn (the default since v1.23); the values
    /// are case-sensitive, and anything else is nil (upstream rejects it as an unsupported value).
    public init?(queryValue: String?) {
        guard let value = queryValue, !value.isEmpty else {
            self = .warn
            return
        }
        self.init(rawValue: value)
    }
}
