import APIMachinery
import Foundation
@testable import OpenAPI
import Registry
import Testing

@Suite struct OpenAPIDocumentsTests {
    let docs = OpenAPIDocuments.shared

    func document(_ path: String) throws -> JSON {
        try #require(ParsedDocuments.byPath[path.hasPrefix("/") ? String(path.dropFirst()) : path])
    }

    func gvPath(_ r: ResourceInfo) -> String { r.group.isEmpty ? "api/\(r.version)" : "apis/\(r.group)/\(r.version)" }

    /// Every operation object of a document, with its path and method.
    func operations(_ doc: JSON) -> [(path: String, method: String, op: JSON)] {
        var out: [(String, String, JSON)] = []
        for (path, item) in doc["paths"]?.object ?? [:] {
            for (method, op) in item.object ?? [:] where method != "parameters" { out.append((path, method, op)) }
        }
        return out
    }

    @Test func rootListsEveryServedGroupVersionWithItsHash() throws {
        let root = try JSON.parse(docs.root)
        let paths = try #require(root["paths"]?.object)
        let served = Set(Catalog.resources.map(gvPath))
        #expect(Set(paths.keys) == served)
        #expect(docs.groupVersionPaths.first == "api/v1")
        for (key, entry) in paths {
            let hash = try #require(docs.hash(for: key))
            #expect(hash.count == 16 && hash.allSatisfy { $0.isHexDigit && !$0.isLowercase })
            #expect(entry["serverRelativeURL"]?.string == "/openapi/v3/\(key)?hash=\(hash)")
        }
    }

    @Test func hashesAreStableAndDistinct() throws {
        let again = OpenAPIDocuments(schema: .shared, resources: Catalog.resources)
        #expect(again.root == docs.root)
        let hashes = docs.groupVersionPaths.compactMap { docs.hash(for: $0) }
        #expect(hashes.count == docs.groupVersionPaths.count)
        #expect(Set(hashes).count == hashes.count)
        for p in docs.groupVersionPaths {
            #expect(again.document(for: p) == docs.document(for: p))
            #expect(again.hash(for: p) == docs.hash(for: p))
        }
    }

    @Test func hashChangesOnlyWithItsDocument() throws {
        // Drop leases: coordination.k8s.io disappears, core's document is untouched.
        let fewer = OpenAPIDocuments(schema: .shared, resources: Catalog.resources.filter { $0.resource != "leases" })
        #expect(fewer.document(for: "apis/coordination.k8s.io/v1") == nil)
        #expect(fewer.hash(for: "api/v1") == docs.hash(for: "api/v1"))
        // Drop configmaps: core's document and hash change.
        let noConfigMaps = OpenAPIDocuments(schema: .shared, resources: Catalog.resources.filter { $0.resource != "configmaps" })
        #expect(noConfigMaps.hash(for: "api/v1") != docs.hash(for: "api/v1"))
        #expect(noConfigMaps.hash(for: "apis/apps/v1") == docs.hash(for: "apis/apps/v1"))
    }

    @Test func unknownGroupVersionsHaveNoDocument() {
        #expect(docs.document(for: "apis/storage.k8s.io/v1beta1") == nil)
        #expect(docs.hash(for: "api/v2") == nil)
        #expect(docs.document(for: "") == nil)
        #expect(docs.document(for: "/apis/apps/v1") == docs.document(for: "apis/apps/v1"))
    }

    @Test func documentsHaveTheOpenAPI3Structure() throws {
        for p in docs.groupVersionPaths {
            let doc = try document(p)
            #expect(doc["openapi"]?.string == "3.0.0")
            #expect(doc["info"]?["title"]?.string == "Kubernetes")
            #expect(doc["info"]?["version"]?.string != nil)
            #expect((doc["paths"]?.object?.count ?? 0) > 0)
            #expect((doc["components"]?["schemas"]?.object?.count ?? 0) > 0)
            for (path, method, op) in operations(doc) {
                let at = "\(p) \(method) \(path)"
                #expect(op["operationId"]?.string?.isEmpty == false, "\(at)")
                #expect(op["x-kubernetes-action"]?.string != nil, "\(at)")
                let gvk = try #require(op["x-kubernetes-group-version-kind"]?.object, "\(at)")
                #expect(Set(gvk.keys) == ["group", "kind", "version"], "\(at)")
                #expect(op["responses"]?["200"] != nil, "\(at)")
            }
            let ids = operations(doc).compactMap { $0.op["operationId"]?.string }
            #expect(Set(ids).count == ids.count, "operation ids repeat in \(p)")
        }
    }

    @Test func documentsAreSelfContained() throws {
        for p in docs.groupVersionPaths {
            let doc = try document(p)
            let schemas = try #require(doc["components"]?["schemas"]?.object)
            var refs = Set<String>()
            SchemaReferences.collect(in: doc, into: &refs)
            #expect(refs.subtracting(schemas.keys).isEmpty, "\(p) refers to \(refs.subtracting(schemas.keys))")
        }
        // Only what the group-version reaches: apps/v1 has no Node, core has no Deployment.
        let apps = try document("apis/apps/v1")["components"]?["schemas"]?.object ?? [:]
        #expect(apps["io.k8s.api.apps.v1.Deployment"] != nil)
        #expect(apps["io.k8s.api.core.v1.PodTemplateSpec"] != nil)
        #expect(apps["io.k8s.api.autoscaling.v1.Scale"] != nil)
        #expect(apps["io.k8s.api.core.v1.Node"] == nil)
        let core = try document("api/v1")["components"]?["schemas"]?.object ?? [:]
        #expect(core["io.k8s.api.apps.v1.Deployment"] == nil)
        #expect(core["io.k8s.api.policy.v1.Eviction"] != nil)
        #expect(core["io.k8s.apimachinery.pkg.apis.meta.v1.Status"] != nil)
    }

    @Test func everyCatalogResourceHasPathsForItsVerbs() throws {
        for r in Catalog.resources {
            let doc = try document(gvPath(r))
            let paths = try #require(doc["paths"]?.object)
            let prefix = "/" + gvPath(r)
            let collection = r.namespaced ? "\(prefix)/namespaces/{namespace}/\(r.resource)" : "\(prefix)/\(r.resource)"
            let item = collection + "/{name}"
            let expected: [(String, String, String)] = [
                ("list", collection, "get"), ("create", collection, "post"), ("deletecollection", collection, "delete"),
                ("get", item, "get"), ("update", item, "put"), ("patch", item, "patch"), ("delete", item, "delete"),
            ]
            for (verb, path, method) in expected {
                let op = paths[path]?[method]
                #expect((op != nil) == r.verbs.contains(verb), "\(r.resource) \(verb)")
                if let op {
                    #expect(op["x-kubernetes-group-version-kind"] == ["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)])
                }
            }
            if r.namespaced && r.verbs.contains("list") {
                #expect(paths["\(prefix)/\(r.resource)"]?["get"]?["operationId"]?.string?.hasSuffix("ForAllNamespaces") == true)
            }
            for sub in r.subresources {
                #expect(paths["\(item)/\(sub.name)"] != nil, "\(r.resource)/\(sub.name)")
            }
        }
    }

    @Test func upstreamOperationNaming() throws {
        let core = try document("api/v1")["paths"]
        #expect(core?["/api/v1/namespaces/{namespace}/pods"]?["get"]?["operationId"] == "listCoreV1NamespacedPod")
        #expect(core?["/api/v1/namespaces/{namespace}/pods"]?["delete"]?["operationId"] == "deleteCoreV1CollectionNamespacedPod")
        #expect(core?["/api/v1/namespaces/{namespace}/pods"]?["post"]?["description"] == "create a Pod")
        #expect(core?["/api/v1/namespaces/{namespace}/endpoints"]?["post"]?["description"] == "create Endpoints")
        #expect(core?["/api/v1/nodes/{name}"]?["patch"]?["operationId"] == "patchCoreV1Node")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/status"]?["patch"]?["operationId"] == "patchCoreV1NamespacedPodStatus")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/exec"]?["get"]?["operationId"] == "connectCoreV1GetNamespacedPodExec")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/exec"]?["post"]?["x-kubernetes-action"] == "connect")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/exec"]?["post"]?["x-kubernetes-group-version-kind"]?["kind"] == "PodExecOptions")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}"]?["get"]?["operationId"] == "connectCoreV1GetNamespacedPodProxyWithPath")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/log"]?["get"]?["operationId"] == "readCoreV1NamespacedPodLog")
        #expect(core?["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]?["post"]?["x-kubernetes-group-version-kind"] == ["group": "policy", "kind": "Eviction", "version": "v1"])
        #expect(core?["/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"]?["post"]?["operationId"] == "createCoreV1NamespacedServiceAccountToken")
        #expect(core?["/api/v1/namespaces/{name}/finalize"]?["put"]?["operationId"] == "replaceCoreV1NamespaceFinalize")
        let apps = try document("apis/apps/v1")["paths"]
        let scale = apps?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
        #expect(scale?["get"]?["operationId"] == "readAppsV1NamespacedDeploymentScale")
        #expect(scale?["put"]?["x-kubernetes-group-version-kind"] == ["group": "autoscaling", "kind": "Scale", "version": "v1"])
        #expect(scale?["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/io.k8s.api.autoscaling.v1.Scale")
        #expect(apps?["/apis/apps/v1/namespaces/{namespace}/deployments"]?["get"]?["tags"] == ["apps_v1"])
        let leases = try document("apis/coordination.k8s.io/v1")["paths"]
        #expect(leases?["/apis/coordination.k8s.io/v1/leases"]?["get"]?["operationId"] == "listCoordinationV1LeaseForAllNamespaces")
    }

    /// kubectl's `supportsQueryParamV3`: the first PATCH operation carrying the kind's GVK must list
    /// `fieldValidation` among its own parameters, or kubectl falls back to client-side validation.
    @Test func patchOperationsAdvertiseFieldValidation() throws {
        for r in Catalog.resources where r.verbs.contains("patch") {
            let doc = try document(gvPath(r))
            let gvk: JSON = ["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]
            let patches = operations(doc).filter { $0.method == "patch" && $0.op["x-kubernetes-group-version-kind"] == gvk }
            #expect(!patches.isEmpty, "\(r.resource)")
            for (path, _, op) in patches {
                let names = op["parameters"]?.array?.compactMap { $0["name"]?.string } ?? []
                #expect(names.contains("fieldValidation"), "\(path)")
                #expect(names.contains("fieldManager") && names.contains("force") && names.contains("dryRun"))
                let types = Set(op["requestBody"]?["content"]?.object?.keys.map { $0 } ?? [])
                #expect(types == ["application/json-patch+json", "application/merge-patch+json",
                                  "application/strategic-merge-patch+json", "application/apply-patch+yaml"])
            }
        }
        // Create and replace carry it too.
        let pods = try document("api/v1")["paths"]?["/api/v1/namespaces/{namespace}/pods"]?["post"]
        #expect(pods?["parameters"]?.array?.contains { $0["name"] == "fieldValidation" && $0["in"] == "query" } == true)
    }

    @Test func kindComponentsCarryTheOperationsGVK() throws {
        for r in Catalog.resources {
            let doc = try document(gvPath(r))
            let gvk: JSON = ["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]
            let schemas = doc["components"]?["schemas"]?.object ?? [:]
            let carriers = schemas.filter { $0.value["x-kubernetes-group-version-kind"]?.array?.contains(gvk) == true }
            #expect(carriers.count == 1, "\(r.kind): \(carriers.keys.sorted())")
        }
    }
}
