import APIMachinery
import Registry

/// The OpenAPI `paths` entries of one served resource, derived from its catalog entry.
///
/// Operations exist only for the verbs the catalog lists, with upstream's operation ids, descriptions and
/// parameters. The deprecated `/watch/` paths are not emitted: Skiff serves watches through `?watch=true`.
struct ResourcePaths {
    let resource: ResourceInfo
    let schema: Schema

    private var gv: APIGroupVersion { APIGroupVersion(resource) }
    private var kind: String { resource.kind }
    private var namespacedWord: String { resource.namespaced ? "Namespaced" : "" }
    private var kindDefinition: String? {
        schema.definitionName(group: resource.group, version: resource.version, kind: kind)
    }
    private var listDefinition: String? {
        schema.definitionName(group: resource.group, version: resource.version, kind: resource.listKind)
    }
    private var gvk: JSON { Operation.gvk(group: resource.group, version: resource.version, kind: kind) }

    /// "/api/v1/namespaces/{namespace}/pods" or "/api/v1/nodes".
    var collectionPath: String {
        resource.namespaced
            ? "\(gv.urlPrefix)/namespaces/{namespace}/\(resource.resource)"
            : "\(gv.urlPrefix)/\(resource.resource)"
    }
    var itemPath: String { collectionPath + "/{name}" }

    func build() -> [String: JSON] {
        var paths: [String: JSON] = [:]
        let scope: [JSON] = resource.namespaced ? [Parameters.namespace] : []

        var collection: [String: JSON] = [:]
        if has("list") { collection["get"] = list(allNamespaces: false) }
        if has("create") { collection["post"] = create() }
        if has("deletecollection") { collection["delete"] = deleteCollection() }
        if !collection.isEmpty {
            collection["parameters"] = .array(scope + [Parameters.pretty])
            paths[collectionPath] = .object(collection)
        }

        if resource.namespaced && has("list") {
            paths["\(gv.urlPrefix)/\(resource.resource)"] = [
                "get": list(allNamespaces: true), "parameters": [Parameters.pretty],
            ]
        }

        var item: [String: JSON] = [:]
        if has("get") { item["get"] = read() }
        if has("update") { item["put"] = replace() }
        if has("patch") { item["patch"] = patch() }
        if has("delete") { item["delete"] = delete() }
        if !item.isEmpty {
            item["parameters"] = .array([Parameters.name(of: kind)] + scope + [Parameters.pretty])
            paths[itemPath] = .object(item)
        }

        for sub in resource.subresources {
            paths.merge(subresourcePaths(sub, scope: scope)) { a, _ in a }
        }
        return paths
    }

    private func has(_ verb: String) -> Bool { resource.verbs.contains(verb) }

    private func id(_ verb: String, _ suffix: String = "") -> String {
        verb + gv.operationIDPart + namespacedWord + kind + suffix
    }

    private func operation(
        _ description: String, _ operationID: String, _ action: String, gvk: JSON? = nil,
        parameters: [JSON] = [], body: JSON? = nil, responses: JSON
    ) -> JSON {
        Operation(
            description: description, operationID: operationID, action: action, gvk: gvk ?? self.gvk,
            tag: gv.tag, parameters: parameters, requestBody: body, responses: responses
        ).json
    }

    // MARK: The resource's own verbs

    private func list(allNamespaces: Bool) -> JSON {
        operation(
            "list or watch objects of kind \(kind)",
            allNamespaces ? "list\(gv.operationIDPart)\(kind)ForAllNamespaces" : id("list"), "list",
            parameters: Parameters.list,
            responses: Bodies.responses(listDefinition, codes: ["200"], watchable: true))
    }

    private func create() -> JSON {
        operation(
            "create\(article(kind))\(kind)", id("create"), "post", parameters: Parameters.write,
            body: Bodies.object(kindDefinition), responses: Bodies.responses(kindDefinition, codes: ["200", "201", "202"]))
    }

    private func deleteCollection() -> JSON {
        operation(
            "delete collection of \(kind)", "delete\(gv.operationIDPart)Collection\(namespacedWord)\(kind)",
            "deletecollection", parameters: Parameters.deleteCollection, body: Bodies.deleteBody,
            responses: Bodies.responses(Bodies.status, codes: ["200"]))
    }

    private func read() -> JSON {
        operation(
            "read the specified \(kind)", id("read"), "get",
            responses: Bodies.responses(kindDefinition, codes: ["200"]))
    }

    private func replace() -> JSON {
        operation(
            "replace the specified \(kind)", id("replace"), "put", parameters: Parameters.write,
            body: Bodies.object(kindDefinition), responses: Bodies.responses(kindDefinition, codes: ["200", "201"]))
    }

    private func patch() -> JSON {
        operation(
            "partially update the specified \(kind)", id("patch"), "patch", parameters: Parameters.patch,
            body: Bodies.patchBody, responses: Bodies.responses(kindDefinition, codes: ["200", "201"]))
    }

    private func delete() -> JSON {
        operation(
            "delete\(article(kind))\(kind)", id("delete"), "delete", parameters: Parameters.delete,
            body: Bodies.deleteBody, responses: Bodies.responses(kindDefinition, codes: ["200", "202"]))
    }

    // MARK: Subresources

    private func subresourcePaths(_ sub: ResourceInfo.Subresource, scope: [JSON]) -> [String: JSON] {
        let path = "\(itemPath)/\(sub.name)"
        let suffix = sub.name.capitalizedFirst
        let subGVK = Operation.gvk(group: sub.group, version: sub.version, kind: sub.kind)
        let named = [Parameters.name(of: kind)] + scope

        if sub.name == "log" {
            guard sub.verbs.contains("get") else { return [:] }
            let op = operation(
                "read log of the specified \(kind)", id("read", suffix), "get", gvk: subGVK,
                responses: Bodies.textResponses)
            return [path: ["get": op, "parameters": .array(sorted(named + [Parameters.pretty] + Parameters.log))]]
        }

        if let definition = schema.definitionName(group: sub.group, version: sub.version, kind: sub.kind) {
            var ops: [String: JSON] = [:]
            if sub.verbs.contains("get") {
                ops["get"] = operation(
                    "read \(sub.name) of the specified \(kind)", id("read", suffix), "get", gvk: subGVK,
                    responses: Bodies.responses(definition, codes: ["200"]))
            }
            if sub.verbs.contains("update") {
                ops["put"] = operation(
                    "replace \(sub.name) of the specified \(kind)", id("replace", suffix), "put", gvk: subGVK,
                    parameters: Parameters.write, body: Bodies.object(definition),
                    responses: Bodies.responses(definition, codes: ["200", "201"]))
            }
            if sub.verbs.contains("patch") {
                ops["patch"] = operation(
                    "partially update \(sub.name) of the specified \(kind)", id("patch", suffix), "patch",
                    gvk: subGVK, parameters: Parameters.patch, body: Bodies.patchBody,
                    responses: Bodies.responses(definition, codes: ["200", "201"]))
            }
            if sub.verbs.contains("create") {
                ops["post"] = operation(
                    "create \(sub.name) of\(article(kind))\(kind)", id("create", suffix), "post", gvk: subGVK,
                    parameters: Parameters.write, body: Bodies.object(definition),
                    responses: Bodies.responses(definition, codes: ["200", "201", "202"]))
            }
            guard !ops.isEmpty else { return [:] }
            ops["parameters"] = .array(named + [Parameters.pretty])
            return [path: .object(ops)]
        }

        // Connect subresources: the options kind has no schema and the answer is a stream.
        let methods: [(verb: String, method: String)] = [
            ("get", "get"), ("create", "post"), ("update", "put"), ("delete", "delete"), ("patch", "patch"),
        ]
        func connectPath(withPath: Bool) -> JSON {
            var ops: [String: JSON] = [:]
            for (verb, method) in methods where sub.verbs.contains(verb) {
                let word = method.capitalizedFirst
                ops[method] = operation(
                    "connect \(method.uppercased()) requests to \(sub.name) of \(kind)",
                    "connect\(gv.operationIDPart)\(word)\(namespacedWord)\(kind)\(suffix)\(withPath ? "WithPath" : "")",
                    "connect", gvk: subGVK, responses: Bodies.connectResponses)
            }
            var params = [Parameters.name(of: sub.kind)] + scope + Parameters.connect(sub.name)
            if withPath {
                params = params.filter { $0["name"]?.string != "path" } + [Parameters.path("path", "path to the resource")]
            }
            ops["parameters"] = .array(sorted(params))
            return .object(ops)
        }
        guard methods.contains(where: { sub.verbs.contains($0.verb) }) else { return [:] }
        var out = [path: connectPath(withPath: false)]
        if sub.name == "proxy" { out[path + "/{path}"] = connectPath(withPath: true) }
        return out
    }

    private func sorted(_ params: [JSON]) -> [JSON] {
        params.sorted { ($0["name"]?.string ?? "", $0["in"]?.string ?? "") < ($1["name"]?.string ?? "", $1["in"]?.string ?? "") }
    }

    /// Upstream's `GetArticleForNoun` with a space each side: " a ", " an ", or " " for plurals ("Endpoints").
    private func article(_ noun: String) -> String {
        if noun.hasSuffix("s") && !noun.hasSuffix("ss") { return " " }
        return "aeiouAEIOU".contains(noun.first ?? "x") ? " an " : " a "
    }
}
