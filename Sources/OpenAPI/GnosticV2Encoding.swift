import APIMachinery

/// Turns a Swagger 2.0 document (JSON) into gnostic's `openapi.v2` messages, the protobuf form of
/// `/openapi/v2` that client-go's `OpenAPISchema()` asks for.
///
/// Upstream builds the same messages by parsing its JSON document with gnostic; this walks Skiff's JSON
/// the same way. Maps become ordered (name, value) lists in sorted key order, so equal documents encode to
/// equal bytes. Values gnostic keeps as `Any` (vendor extensions, `default`, `enum`, `example`) carry YAML
/// text: Skiff writes their JSON text, which is YAML too and reads back as the same value (kubectl
/// unmarshals it with a YAML decoder; upstream's block-style text decodes to the same maps and lists).
/// Keys that have no place in the message are skipped, as the subset in `Proto/OpenAPIv2.proto` allows.
enum GnosticV2Encoding {
    static func document(_ doc: JSON) -> Openapi_V2_Document {
        var d = Openapi_V2_Document()
        d.swagger = doc["swagger"]?.string ?? "2.0"
        if let info = doc["info"] {
            d.info.title = info["title"]?.string ?? ""
            d.info.version = info["version"]?.string ?? ""
            d.info.description_p = info["description"]?.string ?? ""
            d.info.vendorExtension = extensions(info)
        }
        d.host = doc["host"]?.string ?? ""
        d.basePath = doc["basePath"]?.string ?? ""
        d.schemes = strings(doc["schemes"])
        d.consumes = strings(doc["consumes"])
        d.produces = strings(doc["produces"])
        var paths = Openapi_V2_Paths()
        paths.path = sorted(doc["paths"]).filter { !$0.key.hasPrefix("x-") }.map { name, item in
            var named = Openapi_V2_NamedPathItem()
            named.name = name
            named.value = pathItem(item)
            return named
        }
        paths.vendorExtension = extensions(doc["paths"])
        d.paths = paths
        var definitions = Openapi_V2_Definitions()
        definitions.additionalProperties = sorted(doc["definitions"]).map(namedSchema)
        d.definitions = definitions
        d.security = (doc["security"]?.array ?? []).map(securityRequirement)
        if let sd = doc["securityDefinitions"] {
            var defs = Openapi_V2_SecurityDefinitions()
            defs.additionalProperties = sorted(sd).compactMap { name, value in
                guard value["type"]?.string == "apiKey" else { return nil }
                var key = Openapi_V2_ApiKeySecurity()
                key.type = "apiKey"
                key.name = value["name"]?.string ?? ""
                key.in = value["in"]?.string ?? ""
                key.description_p = value["description"]?.string ?? ""
                key.vendorExtension = extensions(value)
                var item = Openapi_V2_NamedSecurityDefinitionsItem()
                item.name = name
                item.value.oneof = .apiKeySecurity(key)
                return item
            }
            d.securityDefinitions = defs
        }
        d.vendorExtension = extensions(doc)
        return d
    }

    // MARK: Schemas

    static func schema(_ s: JSON) -> Openapi_V2_Schema {
        var out = Openapi_V2_Schema()
        guard case .object(let o) = s else { return out }
        if let v = o["$ref"]?.string { out.ref = v }
        if let v = o["format"]?.string { out.format = v }
        if let v = o["title"]?.string { out.title = v }
        if let v = o["description"]?.string { out.description_p = v }
        if let v = o["default"] { out.default = any(v) }
        if let v = o["multipleOf"]?.double { out.multipleOf = v }
        if let v = o["maximum"]?.double { out.maximum = v }
        if let v = o["exclusiveMaximum"]?.bool { out.exclusiveMaximum = v }
        if let v = o["minimum"]?.double { out.minimum = v }
        if let v = o["exclusiveMinimum"]?.bool { out.exclusiveMinimum = v }
        if let v = o["maxLength"]?.int { out.maxLength = v }
        if let v = o["minLength"]?.int { out.minLength = v }
        if let v = o["pattern"]?.string { out.pattern = v }
        if let v = o["maxItems"]?.int { out.maxItems = v }
        if let v = o["minItems"]?.int { out.minItems = v }
        if let v = o["uniqueItems"]?.bool { out.uniqueItems = v }
        if let v = o["maxProperties"]?.int { out.maxProperties = v }
        if let v = o["minProperties"]?.int { out.minProperties = v }
        out.required = strings(o["required"])
        out.enum = (o["enum"]?.array ?? []).map(any)
        switch o["additionalProperties"] {
        case .bool(let b)?: out.additionalProperties.oneof = .boolean(b)
        case let v? where v.isObject: out.additionalProperties.oneof = .schema(schema(v))
        default: break
        }
        switch o["type"] {
        case .string(let t)?: out.type.value = [t]
        case .array(let ts)?: out.type.value = ts.compactMap(\.string)
        default: break
        }
        switch o["items"] {
        case .array(let a)?: out.items.schema = a.map(schema)
        case let v? where v.isObject: out.items.schema = [schema(v)]
        default: break
        }
        out.allOf = (o["allOf"]?.array ?? []).map(schema)
        if let props = o["properties"], props.isObject {
            out.properties.additionalProperties = sorted(props).map(namedSchema)
        }
        if let v = o["discriminator"]?.string { out.discriminator = v }
        if let v = o["readOnly"]?.bool { out.readOnly = v }
        if let v = o["example"] { out.example = any(v) }
        out.vendorExtension = extensions(s)
        return out
    }

    static func namedSchema(_ name: String, _ value: JSON) -> Openapi_V2_NamedSchema {
        var n = Openapi_V2_NamedSchema()
        n.name = name
        n.value = schema(value)
        return n
    }

    // MARK: Paths

    static func pathItem(_ item: JSON) -> Openapi_V2_PathItem {
        var p = Openapi_V2_PathItem()
        if let v = item["$ref"]?.string { p.ref = v }
        if let v = item["get"] { p.get = operation(v) }
        if let v = item["put"] { p.put = operation(v) }
        if let v = item["post"] { p.post = operation(v) }
        if let v = item["delete"] { p.delete = operation(v) }
        if let v = item["options"] { p.options = operation(v) }
        if let v = item["head"] { p.head = operation(v) }
        if let v = item["patch"] { p.patch = operation(v) }
        p.parameters = (item["parameters"]?.array ?? []).compactMap(parametersItem)
        p.vendorExtension = extensions(item)
        return p
    }

    static func operation(_ op: JSON) -> Openapi_V2_Operation {
        var o = Openapi_V2_Operation()
        o.tags = strings(op["tags"])
        o.summary = op["summary"]?.string ?? ""
        o.description_p = op["description"]?.string ?? ""
        o.operationID = op["operationId"]?.string ?? ""
        o.produces = strings(op["produces"])
        o.consumes = strings(op["consumes"])
        o.parameters = (op["parameters"]?.array ?? []).compactMap(parametersItem)
        var responses = Openapi_V2_Responses()
        responses.responseCode = sorted(op["responses"]).filter { !$0.key.hasPrefix("x-") }.map { code, r in
            var response = Openapi_V2_Response()
            response.description_p = r["description"]?.string ?? ""
            if let s = r["schema"] { response.schema.oneof = .schema(schema(s)) }
            response.vendorExtension = extensions(r)
            var named = Openapi_V2_NamedResponseValue()
            named.name = code
            named.value.oneof = .response(response)
            return named
        }
        responses.vendorExtension = extensions(op["responses"])
        o.responses = responses
        o.schemes = strings(op["schemes"])
        o.deprecated = op["deprecated"]?.bool ?? false
        o.vendorExtension = extensions(op)
        return o
    }

    /// A body, query or path parameter, or a `$ref` to one; nil for header and form parameters (unused).
    static func parametersItem(_ p: JSON) -> Openapi_V2_ParametersItem? {
        var item = Openapi_V2_ParametersItem()
        if let ref = p["$ref"]?.string {
            var r = Openapi_V2_JsonReference()
            r.ref = ref
            r.description_p = p["description"]?.string ?? ""
            item.oneof = .jsonReference(r)
            return item
        }
        var parameter = Openapi_V2_Parameter()
        switch p["in"]?.string {
        case "body":
            var b = Openapi_V2_BodyParameter()
            b.description_p = p["description"]?.string ?? ""
            b.name = p["name"]?.string ?? ""
            b.in = "body"
            b.required = p["required"]?.bool ?? false
            if let s = p["schema"] { b.schema = schema(s) }
            b.vendorExtension = extensions(p)
            parameter.oneof = .bodyParameter(b)
        case "query":
            var q = Openapi_V2_QueryParameterSubSchema()
            q.required = p["required"]?.bool ?? false
            q.in = "query"
            q.description_p = p["description"]?.string ?? ""
            q.name = p["name"]?.string ?? ""
            q.allowEmptyValue = p["allowEmptyValue"]?.bool ?? false
            q.type = p["type"]?.string ?? ""
            q.format = p["format"]?.string ?? ""
            if let v = p["default"] { q.default = any(v) }
            q.uniqueItems = p["uniqueItems"]?.bool ?? false
            q.enum = (p["enum"]?.array ?? []).map(any)
            q.vendorExtension = extensions(p)
            var nb = Openapi_V2_NonBodyParameter()
            nb.oneof = .queryParameterSubSchema(q)
            parameter.oneof = .nonBodyParameter(nb)
        case "path":
            var q = Openapi_V2_PathParameterSubSchema()
            q.required = p["required"]?.bool ?? true
            q.in = "path"
            q.description_p = p["description"]?.string ?? ""
            q.name = p["name"]?.string ?? ""
            q.type = p["type"]?.string ?? ""
            q.format = p["format"]?.string ?? ""
            if let v = p["default"] { q.default = any(v) }
            q.uniqueItems = p["uniqueItems"]?.bool ?? false
            q.enum = (p["enum"]?.array ?? []).map(any)
            q.vendorExtension = extensions(p)
            var nb = Openapi_V2_NonBodyParameter()
            nb.oneof = .pathParameterSubSchema(q)
            parameter.oneof = .nonBodyParameter(nb)
        default:
            return nil
        }
        item.oneof = .parameter(parameter)
        return item
    }

    static func securityRequirement(_ r: JSON) -> Openapi_V2_SecurityRequirement {
        var out = Openapi_V2_SecurityRequirement()
        out.additionalProperties = sorted(r).map { name, scopes in
            var n = Openapi_V2_NamedStringArray()
            n.name = name
            n.value.value = strings(scopes)
            return n
        }
        return out
    }

    // MARK: Values

    /// The `x-` members of an object, as gnostic's vendor extensions.
    static func extensions(_ value: JSON?) -> [Openapi_V2_NamedAny] {
        sorted(value).filter { $0.key.hasPrefix("x-") }.map { name, v in
            var n = Openapi_V2_NamedAny()
            n.name = name
            n.value = any(v)
            return n
        }
    }

    static func any(_ value: JSON) -> Openapi_V2_Any {
        var a = Openapi_V2_Any()
        a.yaml = value.jsonString + "\n"
        return a
    }

    private static func strings(_ value: JSON?) -> [String] { value?.array?.compactMap(\.string) ?? [] }

    private static func sorted(_ value: JSON?) -> [(key: String, value: JSON)] {
        (value?.object ?? [:]).sorted { $0.key < $1.key }
    }
}
