import APIMachinery

/// Rewrites the OpenAPI v3 path items `ResourcePaths` builds into Swagger 2.0 path items, so `/openapi/v2`
/// and `/openapi/v3` describe the same operations with the same ids, parameters and extensions.
///
/// Swagger 2.0 spells three things differently: a parameter's type sits on the parameter (no `schema`), the
/// request body is an `in: body` parameter with the operation's media types in `consumes`, and a response
/// has one `schema` with the media types in the operation's `produces`.
enum SwaggerPaths {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch"]

    static func convert(pathItem: JSON) -> JSON {
        guard case .object(var item) = pathItem else { return pathItem }
        for method in methods {
            if let op = item[method] { item[method] = operation(op) }
        }
        if let params = item["parameters"]?.array { item["parameters"] = .array(params.map(parameter)) }
        return .object(item)
    }

    static func operation(_ v3: JSON) -> JSON {
        guard case .object(var op) = v3 else { return v3 }
        var parameters: [JSON] = []
        if let body = op.removeValue(forKey: "requestBody") {
            let content = body["content"]?.object ?? [:]
            op["consumes"] = .array(content.keys.sorted().map(JSON.string))
            var p: [String: JSON] = ["in": "body", "name": "body"]
            if let schema = content.keys.sorted().first.flatMap({ content[$0]?["schema"] }) {
                p["schema"] = SwaggerSchema.convert(schema)
            }
            if body["required"]?.bool == true { p["required"] = true }
            parameters.append(.object(p))
        }
        parameters += (op["parameters"]?.array ?? []).map(parameter)
        op["parameters"] = parameters.isEmpty ? nil : .array(parameters)

        var produces: [String] = []
        var responses: [String: JSON] = [:]
        for (code, response) in op["responses"]?.object ?? [:] {
            var r: [String: JSON] = ["description": response["description"] ?? ""]
            if let content = response["content"]?.object {
                for type in content.keys.sorted() where !produces.contains(type) { produces.append(type) }
                if let schema = content.keys.sorted().first.flatMap({ content[$0]?["schema"] }) {
                    r["schema"] = SwaggerSchema.convert(schema)
                }
            }
            responses[code] = .object(r)
        }
        op["responses"] = .object(responses)
        if !produces.isEmpty { op["produces"] = .array(produces.sorted().map(JSON.string)) }
        op["schemes"] = ["https"]
        return .object(op)
    }

    /// `{"in": "query", "name": N, "schema": {"type": T, "uniqueItems": true}}` → `{"in", "name", "type", "uniqueItems"}`.
    static func parameter(_ v3: JSON) -> JSON {
        guard case .object(var p) = v3, let schema = p.removeValue(forKey: "schema")?.object else { return v3 }
        for (k, v) in schema where p[k] == nil { p[k] = v }
        return .object(p)
    }
}
