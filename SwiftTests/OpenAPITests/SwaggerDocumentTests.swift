import APIMachinery
import Foundation
@testable import OpenAPI
import Registry
import SwiftProtobuf
import Testing

/// `/openapi/v2`'s document, checked the way its consumers read it: decoded back from protobuf as client-go
/// does, then parsed with the rules of kube-openapi's `pkg/util/proto` (which kubectl's client-side validation
/// and `kubectl explain --output plaintext-openapiv2` use, and which reject the whole document on one bad schema).
@Suite struct SwaggerDocumentTests {
    static let decoded: Openapi_V2_Document = (try? Openapi_V2_Document(serializedBytes: SwaggerDocument.shared.protobuf)) ?? .init()
    static let definitions: [String: Openapi_V2_Schema] = Dictionary(
        decoded.definitions.additionalProperties.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })

    func definition(_ name: String) throws -> Openapi_V2_Schema {
        try #require(Self.definitions[name], "no definition \(name)")
    }

    func property(_ schema: Openapi_V2_Schema, _ name: String) throws -> Openapi_V2_Schema {
        try #require(schema.properties.additionalProperties.first { $0.name == name }?.value, "no property \(name)")
    }

    /// A vendor extension's value, read as kubectl does: YAML-decode the `Any`'s text.
    func extensionValue(_ extensions: [Openapi_V2_NamedAny], _ name: String) throws -> JSON? {
        guard let e = extensions.first(where: { $0.name == name }) else { return nil }
        return try YAMLDecoding.decode(e.value.yaml)
    }

    @Test func documentHeaderAndEveryDefinition() throws {
        let d = Self.decoded
        #expect(d.swagger == "2.0")
        #expect(d.info.title == "Kubernetes")
        #expect(d.info.version.hasPrefix("v1.32."))
        #expect(Set(Self.definitions.keys) == Set(Schema.shared.definitions.keys))
        // Sorted by name: equal documents give equal bytes.
        let names = d.definitions.additionalProperties.map(\.name)
        #expect(names == names.sorted())
        #expect(d.securityDefinitions.additionalProperties.first?.name == "BearerToken")
        #expect(d.security.first?.additionalProperties.first?.name == "BearerToken")
    }

    @Test func configMapAndDeploymentCarryTheirGroupVersionKind() throws {
        let cm = try definition("io.k8s.api.core.v1.ConfigMap")
        #expect(cm.type.value == ["object"])
        #expect(try extensionValue(cm.vendorExtension, "x-kubernetes-group-version-kind")
            == [["group": "", "kind": "ConfigMap", "version": "v1"]])
        let data = try property(cm, "data")
        #expect(data.type.value == ["object"])
        guard case .schema(let value)? = data.additionalProperties.oneof else {
            Issue.record("data has no value schema")
            return
        }
        #expect(value.type.value == ["string"])

        let deploy = try definition("io.k8s.api.apps.v1.Deployment")
        #expect(try extensionValue(deploy.vendorExtension, "x-kubernetes-group-version-kind")
            == [["group": "apps", "kind": "Deployment", "version": "v1"]])
        // A described reference is `$ref` plus description (Swagger 2.0 form), not a v3 `allOf` wrapper.
        let meta = try property(deploy, "metadata")
        #expect(meta.ref == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        #expect(meta.description_p.hasPrefix("Standard object's metadata"))
        #expect(meta.allOf.isEmpty && !meta.hasType)
        #expect(try property(deploy, "spec").ref == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec")
        #expect(try definition("io.k8s.api.apps.v1.DeploymentSpec").required == ["selector", "template"])
    }

    @Test func patchAndListExtensionsSurvive() throws {
        let containers = try property(try definition("io.k8s.api.core.v1.PodSpec"), "containers")
        #expect(containers.type.value == ["array"])
        #expect(containers.items.schema.map(\.ref) == ["#/definitions/io.k8s.api.core.v1.Container"])
        #expect(try extensionValue(containers.vendorExtension, "x-kubernetes-patch-merge-key") == "name")
        #expect(try extensionValue(containers.vendorExtension, "x-kubernetes-patch-strategy") == "merge")
        #expect(try extensionValue(containers.vendorExtension, "x-kubernetes-list-type") == "map")
        #expect(try extensionValue(containers.vendorExtension, "x-kubernetes-list-map-keys") == ["name"])
        // The multi-kind DeleteOptions lists every group-version-kind it serves as.
        let gvks = try #require(try extensionValue(try definition("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions").vendorExtension, "x-kubernetes-group-version-kind")?.array)
        #expect(gvks.contains(["group": "apps", "kind": "DeleteOptions", "version": "v1"]))
    }

    @Test func intOrStringAndQuantityAreStrings() throws {
        let ios = try definition("io.k8s.apimachinery.pkg.util.intstr.IntOrString")
        #expect(ios.type.value == ["string"])
        #expect(ios.format == "int-or-string")
        #expect(ios.vendorExtension.isEmpty)
        #expect(try definition("io.k8s.apimachinery.pkg.api.resource.Quantity").type.value == ["string"])
    }

    /// kubectl indexes definitions by their `x-kubernetes-group-version-kind`; each served kind must be there.
    @Test func everyServedKindIsFoundByItsGroupVersionKind() throws {
        var index: [String: String] = [:]
        for (name, schema) in Self.definitions {
            for gvk in try extensionValue(schema.vendorExtension, "x-kubernetes-group-version-kind")?.array ?? [] {
                index["\(gvk["group"]?.string ?? "")/\(gvk["version"]?.string ?? "")/\(gvk["kind"]?.string ?? "")"] = name
            }
        }
        for r in Catalog.resources {
            #expect(index["\(r.group)/\(r.version)/\(r.kind)"] != nil, "\(r.group)/\(r.version)/\(r.kind)")
        }
    }

    /// The checks kube-openapi's `NewOpenAPIData` makes on every schema; one failure and kubectl rejects the
    /// document ("unknown model in reference", "array should have exactly one sub-item", ...).
    @Test func everySchemaParsesUnderKubeOpenAPIRules() throws {
        var problems: [String] = []
        func check(_ s: Openapi_V2_Schema, _ path: String) {
            for e in s.vendorExtension where (try? YAMLDecoding.decode(e.value.yaml)) == nil {
                problems.append("\(path): extension \(e.name) is not YAML")
            }
            if !s.ref.isEmpty {
                let name = s.ref.hasPrefix("#/definitions/") ? String(s.ref.dropFirst("#/definitions/".count)) : ""
                if Self.definitions[name] == nil { problems.append("\(path): unknown reference \(s.ref)") }
                if !s.properties.additionalProperties.isEmpty || !s.type.value.isEmpty {
                    problems.append("\(path): reference with properties or type")
                }
                return
            }
            if !s.allOf.isEmpty { problems.append("\(path): allOf is not understood") }
            if s.type.value.count > 1 { problems.append("\(path): several types") }
            switch s.type.value.first {
            case "array"?:
                if s.items.schema.count != 1 { problems.append("\(path): array without exactly one items schema") }
                s.items.schema.forEach { check($0, path + "[]") }
            case "object"?, nil:
                s.properties.additionalProperties.forEach { check($0.value, path + "." + $0.name) }
                if case .schema(let v)? = s.additionalProperties.oneof { check(v, path + "{}") }
                if s.type.value.isEmpty, s.properties.additionalProperties.isEmpty, !s.items.schema.isEmpty {
                    s.items.schema.forEach { check($0, path + "[]") }
                }
            case let t?:
                if !["string", "number", "integer", "boolean"].contains(t) { problems.append("\(path): primitive \(t)") }
            }
        }
        for (name, schema) in Self.definitions { check(schema, name) }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }

    @Test func pathsMirrorTheV3Operations() throws {
        let paths = Dictionary(Self.decoded.paths.path.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let item = try #require(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"])
        let patch = item.patch
        #expect(patch.operationID == "patchAppsV1NamespacedDeployment")
        #expect(patch.consumes.contains("application/strategic-merge-patch+json"))
        #expect(try extensionValue(patch.vendorExtension, "x-kubernetes-group-version-kind")
            == ["group": "apps", "kind": "Deployment", "version": "v1"])
        var queryNames: [String] = []
        var body: Openapi_V2_BodyParameter?
        for p in patch.parameters {
            guard case .parameter(let param)? = p.oneof else { continue }
            switch param.oneof {
            case .bodyParameter(let b)?: body = b
            case .nonBodyParameter(let nb)?:
                if case .queryParameterSubSchema(let q)? = nb.oneof { queryNames.append(q.name); #expect(!q.type.isEmpty) }
            case nil: break
            }
        }
        // kubectl's v2 field-validation probe looks for this parameter on the PATCH operation.
        #expect(queryNames.contains("fieldValidation"))
        #expect(body?.required == true)
        #expect(body?.schema.ref == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch")
        let ok = try #require(patch.responses.responseCode.first { $0.name == "200" })
        guard case .response(let r)? = ok.value.oneof, case .schema(let s)? = r.schema.oneof else {
            Issue.record("200 has no schema")
            return
        }
        #expect(s.ref == "#/definitions/io.k8s.api.apps.v1.Deployment")
        #expect(patch.produces.contains("application/json"))
        // Path-level parameters are path parameters with their type on the parameter.
        let names = item.parameters.compactMap { p -> String? in
            guard case .parameter(let param)? = p.oneof, case .nonBodyParameter(let nb)? = param.oneof,
                  case .pathParameterSubSchema(let s)? = nb.oneof else { return nil }
            #expect(s.type == "string" && s.required)
            return s.name
        }
        #expect(names == ["name", "namespace"])
        #expect(paths["/api/v1/namespaces/{namespace}/configmaps"]?.post.operationID == "createCoreV1NamespacedConfigMap")
    }

    @Test func jsonFormIsSwagger20AndEncodingsAreStable() throws {
        let text = String(decoding: SwaggerDocument.shared.json, as: UTF8.self)
        #expect(!text.contains("#/components/schemas/"))
        // JSONSchemaProps has fields named allOf and oneOf; no schema uses the keywords.
        let keywords = text.replacingOccurrences(of: "\"allOf\":{\"items\"", with: "").replacingOccurrences(of: "\"oneOf\":{\"items\"", with: "")
        #expect(!keywords.contains("\"allOf\"") && !keywords.contains("\"oneOf\"") && !text.contains("\"requestBody\""))
        let json = try JSON.parse(SwaggerDocument.shared.json)
        #expect(json["swagger"] == "2.0")
        #expect(json[path: ["definitions", "io.k8s.api.core.v1.ConfigMap", "x-kubernetes-group-version-kind"]]
            == [["group": "", "kind": "ConfigMap", "version": "v1"]])
        let again = SwaggerDocument(schema: .shared, resources: Catalog.resources)
        #expect(again.json == SwaggerDocument.shared.json)
        #expect(again.protobuf == SwaggerDocument.shared.protobuf)
        #expect(again.protobufHash == SwaggerDocument.shared.protobufHash)
        #expect(again.jsonHash != again.protobufHash)
        // Fewer resources, fewer paths: the hashes follow the content.
        let fewer = SwaggerDocument(schema: .shared, resources: Catalog.resources.filter { $0.resource != "leases" })
        #expect(fewer.protobufHash != SwaggerDocument.shared.protobufHash)
    }
}
