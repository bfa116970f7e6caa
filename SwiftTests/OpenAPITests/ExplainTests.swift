import APIMachinery
import OpenAPI
import Registry
import Testing

/// What kubectl 1.32's `explain` (pkg/explain/v2, templates/plaintext.tmpl) does with a group-version document,
/// reduced to the lookups: the GVK from the resource's operations, the component carrying that GVK, the walk
/// down a field path, and the `<type>` it prints.
struct ExplainModel {
    let doc: JSON

    init(_ groupVersionPath: String) throws {
        doc = try #require(ParsedDocuments.byPath[groupVersionPath])
    }

    /// The template tries four paths in order and, per path, methods get/post/put/patch/delete; the last path
    /// that exists decides (its first operation is read even when it has no GVK).
    func gvk(group: String, version: String, resource: String) -> JSON? {
        let prefix = group.isEmpty ? "/api" : "/apis/\(group)"
        let candidates = [
            "\(prefix)/\(version)/\(resource)", "\(prefix)/\(version)/\(resource)/{name}",
            "\(prefix)/\(version)/namespaces/{namespace}/\(resource)",
            "\(prefix)/\(version)/namespaces/{namespace}/\(resource)/{name}",
        ]
        var found: JSON?
        for path in candidates {
            guard let item = doc["paths"]?[path] else { continue }
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let op = item[method] else { continue }
                found = op["x-kubernetes-group-version-kind"]
                if found != nil { break }
            }
        }
        return found
    }

    /// The first component (in key order) whose `x-kubernetes-group-version-kind` list holds `gvk`.
    func kindSchema(_ gvk: JSON) -> JSON? {
        let schemas = doc["components"]?["schemas"]?.object ?? [:]
        for name in schemas.keys.sorted() where schemas[name]?["x-kubernetes-group-version-kind"]?.array?.contains(gvk) == true {
            return schemas[name]
        }
        return nil
    }

    func resolveRef(_ ref: JSON?) -> JSON? {
        guard let ref = ref?.string, ref.hasPrefix("#/components/schemas/") else { return nil }
        return doc["components"]?["schemas"]?[String(ref.dropFirst("#/components/schemas/".count))]
    }

    /// The template's "output": follow properties, then items, then map values, then allOf alternatives.
    /// Returns the field's own schema (the referring site) and its resolved schema.
    func field(_ schema: JSON, _ path: ArraySlice<String>, site: JSON? = nil) -> (site: JSON, resolved: JSON)? {
        let resolved = resolveRef(schema["$ref"]) ?? schema
        guard let first = path.first else { return (site ?? schema, resolved) }
        if let sub = resolved["properties"]?[first] {
            return field(sub, path.dropFirst(), site: sub)
        } else if let items = resolved["items"] {
            return field(items, path, site: site)
        } else if let values = resolved["additionalProperties"], values.isObject {
            return field(values, path, site: site)
        }
        for alternative in resolved["allOf"]?.array ?? [] {
            if let out = field(alternative, path, site: site) { return out }
        }
        return nil
    }

    /// The template's "typeGuess".
    func typeGuess(_ schema: JSON) -> String {
        if let items = schema["items"] { return "[]" + typeGuess(items) }
        if let values = schema["additionalProperties"], values.isObject { return "map[string]" + typeGuess(values) }
        if let all = schema["allOf"]?.array, schema["properties"] == nil, all.count == 1 { return typeGuess(all[0]) }
        if let ref = schema["$ref"]?.string {
            let target = resolveRef(schema["$ref"])
            if target == nil || target?["type"] == nil || target?["type"] == "object" {
                return String(ref.split(separator: "/").last?.split(separator: ".").last ?? "Object")
            }
            return target?["type"]?.string ?? "Object"
        }
        let type = schema["type"]?.string
        return type == "object" ? "Object" : (type ?? "Object")
    }

    /// The template's "fieldList" at one level: name → printed type, plus the required names.
    func fields(of schema: JSON) -> (types: [String: String], required: Set<String>) {
        let resolved = resolveRef(schema["$ref"]) ?? schema
        var types: [String: String] = [:]
        var required = Set(resolved["required"]?.array?.compactMap(\.string) ?? [])
        for (name, sub) in resolved["properties"]?.object ?? [:] { types[name] = typeGuess(sub) }
        var nested = resolved["allOf"]?.array ?? []
        if let items = resolved["items"] { nested.append(items) }
        if let values = resolved["additionalProperties"], values.isObject { nested.append(values) }
        for n in nested {
            let more = fields(of: n)
            types.merge(more.types) { a, _ in a }
            required.formUnion(more.required)
        }
        return (types, required)
    }

    /// `kubectl explain RESOURCE.a.b.c`: the field's printed type and its child fields, or nil when kubectl
    /// would fail ("field does not exist" / "GVK not found").
    func explain(group: String, version: String, resource: String, _ path: [String]) -> (type: String?, fields: [String: String], required: Set<String>)? {
        guard let gvk = gvk(group: group, version: version, resource: resource), let root = kindSchema(gvk),
            let (site, resolved) = field(root, path[...])
        else { return nil }
        let listed = fields(of: resolved)
        return (path.isEmpty ? nil : typeGuess(site), listed.types, listed.required)
    }
}

@Suite struct ExplainTests {

    @Test func explainPodSpecContainers() throws {
        let core = try ExplainModel("api/v1")
        let out = try #require(core.explain(group: "", version: "v1", resource: "pods", ["spec", "containers"]))
        #expect(out.type == "[]Container")
        #expect(out.fields["name"] == "string")
        #expect(out.fields["image"] == "string")
        #expect(out.fields["ports"] == "[]ContainerPort")
        #expect(out.fields["resources"] == "ResourceRequirements")
        #expect(out.fields["livenessProbe"] == "Probe")
        #expect(out.fields["env"] == "[]EnvVar")
        #expect(out.required == ["name"])
    }

    @Test func explainPrintsUpstreamTypeNames() throws {
        let core = try ExplainModel("api/v1")
        let apps = try ExplainModel("apis/apps/v1")
        #expect(core.explain(group: "", version: "v1", resource: "pods", ["spec", "containers", "livenessProbe", "httpGet", "port"])?.type == "IntOrString")
        #expect(core.explain(group: "", version: "v1", resource: "pods", ["metadata", "creationTimestamp"])?.type == "string")
        #expect(core.explain(group: "", version: "v1", resource: "pods", ["metadata", "labels"])?.type == "map[string]string")
        #expect(core.explain(group: "", version: "v1", resource: "pods", ["metadata"])?.type == "ObjectMeta")
        #expect(core.explain(group: "", version: "v1", resource: "services", ["spec", "ports", "targetPort"])?.type == "IntOrString")
        #expect(core.explain(group: "", version: "v1", resource: "nodes", ["status", "capacity"])?.type == "map[string]Quantity")
        #expect(apps.explain(group: "apps", version: "v1", resource: "deployments", ["spec", "template", "spec", "containers", "resources", "limits"])?.type == "map[string]Quantity")
        let strategy = try #require(apps.explain(group: "apps", version: "v1", resource: "deployments", ["spec", "strategy"]))
        #expect(strategy.type == "DeploymentStrategy")
        #expect(strategy.fields == ["rollingUpdate": "RollingUpdateDeployment", "type": "string"])
    }

    @Test func explainFailsForUnknownFieldsAndResources() throws {
        let core = try ExplainModel("api/v1")
        #expect(core.explain(group: "", version: "v1", resource: "pods", ["spec", "bogus"]) == nil)
        #expect(core.explain(group: "", version: "v1", resource: "cronjobs", []) == nil)
    }

    @Test func everyResourceIsExplainable() throws {
        for r in Catalog.resources {
            let path = r.group.isEmpty ? "api/\(r.version)" : "apis/\(r.group)/\(r.version)"
            let model = try ExplainModel(path)
            let gvk = model.gvk(group: r.group, version: r.version, resource: r.resource)
            let expected: JSON = ["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]
            #expect(gvk == expected, "\(r.resource)")
            let top = try #require(model.explain(group: r.group, version: r.version, resource: r.resource, []), "\(r.resource)")
            #expect(top.fields["metadata"] == "ObjectMeta", "\(r.resource)")
            #expect(top.fields["apiVersion"] == "string" && top.fields["kind"] == "string", "\(r.resource)")
        }
    }
}
