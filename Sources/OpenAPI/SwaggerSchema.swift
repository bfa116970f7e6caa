import APIMachinery

/// Rewrites a bundled schema (OpenAPI v3 form, see `Schema`) into the Swagger 2.0 form upstream serves at
/// `/openapi/v2`.
///
/// The differences are few, and kubectl's v2 parser (kube-openapi `pkg/util/proto`) rejects a document that
/// keeps any of them: references point at `#/definitions/`, a described reference is `{"$ref", "description"}`
/// rather than an `allOf` wrapper, and Swagger 2.0 has no `oneOf`, so IntOrString and Quantity become the
/// `type: string` (IntOrString: `format: int-or-string`) upstream publishes for them.
enum SwaggerSchema {
    static let definitionsPrefix = "#/definitions/"

    static func convert(_ schema: JSON) -> JSON {
        guard case .object(var o) = schema else { return schema }

        if let ref = o["$ref"]?.string {
            o["$ref"] = .string(definitionReference(ref))
        }
        // `{"allOf": [{"$ref": X}], "description": D, x-...}` → `{"$ref": X, "description": D, x-...}`
        if let all = o["allOf"]?.array, all.count == 1, let ref = all[0]["$ref"]?.string, o["$ref"] == nil {
            o["allOf"] = nil
            o["$ref"] = .string(definitionReference(ref))
        }
        if let alternatives = o["oneOf"]?.array {
            let types = alternatives.compactMap { $0["type"]?.string }
            if types.count == alternatives.count, types.contains("string"), o["type"] == nil {
                o["oneOf"] = nil
                o["type"] = "string"
                o["x-kubernetes-int-or-string"] = nil
            }
        }

        for key in ["items", "additionalProperties", "not"] {
            if let v = o[key], v.isObject { o[key] = convert(v) }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let a = o[key]?.array { o[key] = .array(a.map(convert)) }
        }
        if let props = o["properties"]?.object {
            o["properties"] = .object(props.mapValues(convert))
        }
        return .object(o)
    }

    /// "#/components/schemas/NAME" → "#/definitions/NAME"; other references are left alone.
    static func definitionReference(_ ref: String) -> String {
        ref.hasPrefix(SchemaReferences.prefix) ? definitionsPrefix + ref.dropFirst(SchemaReferences.prefix.count) : ref
    }
}
