import APIMachinery

/// One OpenAPI operation object, shaped as upstream's `/openapi/v3` writes it.
///
/// Every operation carries `x-kubernetes-group-version-kind` and `x-kubernetes-action`: `kubectl explain` finds
/// a resource's kind through them, and kubectl's field-validation probe matches PATCH operations by them.
struct Operation {
    var description: String
    var operationID: String
    var action: String
    var gvk: JSON
    var tag: String
    var parameters: [JSON] = []
    var requestBody: JSON? = nil
    var responses: JSON

    var json: JSON {
        var op: JSON = [
            "description": .string(description),
            "operationId": .string(operationID),
            "responses": responses,
            "tags": [.string(tag)],
            "x-kubernetes-action": .string(action),
            "x-kubernetes-group-version-kind": gvk,
        ]
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let requestBody { op["requestBody"] = requestBody }
        return op
    }

    static func gvk(group: String, version: String, kind: String) -> JSON {
        ["group": .string(group), "kind": .string(kind), "version": .string(version)]
    }
}

/// Request bodies and responses of the operations.
enum Bodies {
    static let metaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1."
    static let status = metaPrefix + "Status"
    static let deleteOptions = metaPrefix + "DeleteOptions"
    static let patch = metaPrefix + "Patch"

    static func ref(_ definition: String) -> JSON { ["$ref": .string("#/components/schemas/" + definition)] }

    /// `definition == nil` (a kind without a published schema) leaves the schema open.
    static func schema(_ definition: String?) -> JSON { definition.map(ref) ?? [:] }

    /// The body of POST and PUT: the object itself, in any content type the server decodes.
    static func object(_ definition: String?) -> JSON {
        ["content": ["*/*": ["schema": schema(definition)]], "required": true]
    }

    /// The body of PATCH: every patch type the server applies, all typed as meta/v1 Patch as upstream does.
    static let patchBody: JSON = [
        "content": .object(Dictionary(uniqueKeysWithValues: [
            "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json",
        ].map { ($0, ["schema": ref(patch)]) })),
        "required": true,
    ]

    static let deleteBody: JSON = ["content": ["*/*": ["schema": ref(deleteOptions)]]]

    private static let descriptions = ["200": "OK", "201": "Created", "202": "Accepted"]

    /// Responses with the given codes, each a `definition` in JSON or YAML (plus the watch stream for lists).
    static func responses(_ definition: String?, codes: [String], watchable: Bool = false) -> JSON {
        var types = ["application/json", "application/yaml"]
        if watchable { types.append("application/json;stream=watch") }
        let content = JSON.object(Dictionary(uniqueKeysWithValues: types.map { ($0, ["schema": schema(definition)]) }))
        var out: [String: JSON] = ["401": ["description": "Unauthorized"]]
        for code in codes {
            out[code] = ["content": content, "description": .string(descriptions[code] ?? "OK")]
        }
        return .object(out)
    }

    /// Streams of text: logs.
    static let textResponses: JSON = [
        "200": ["content": ["text/plain": ["schema": ["type": "string"]]], "description": "OK"],
        "401": ["description": "Unauthorized"],
    ]

    /// Connect subresources (exec, attach, portforward, proxy) answer with a raw stream.
    static let connectResponses: JSON = [
        "200": ["content": ["*/*": ["schema": ["type": "string"]]], "description": "OK"],
        "401": ["description": "Unauthorized"],
    ]
}
