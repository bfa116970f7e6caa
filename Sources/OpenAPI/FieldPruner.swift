import APIMachinery

/// Drops the fields a kind's schema does not declare, as upstream's decoding into Go structs does silently
/// under `fieldValidation=Warn|Ignore`: an unknown field is never stored. Walks the schema exactly as
/// `FieldValidator` does, so the two always agree on what is unknown.
public struct FieldPruner: Sendable {
    public let schema: Schema

    public init(schema: Schema = .shared) {
        self.schema = schema
    }

    public func pruned(_ object: JSON, group: String, version: String, kind: String) -> JSON {
        guard let root = schema.node(group: group, version: version, kind: kind) else { return object }
        return prune(object, root)
    }

    private func prune(_ value: JSON, _ node: SchemaNode) -> JSON {
        switch value {
        case .object(let fields):
            if node.isStruct {
                var out: [String: JSON] = [:]
                for (key, v) in fields {
                    if let child = node.property(key) { out[key] = prune(v, child) }
                }
                return .object(out)
            }
            if !node.preservesUnknownFields, let values = node.additionalProperties {
                return .object(fields.mapValues { prune($0, values) })
            }
            return value
        case .array(let elements):
            guard let items = node.items else { return value }
            return .array(elements.map { prune($0, items) })
        default:
            return value
        }
    }
}
