import APIMachinery
import Foundation
import Testing

@testable import APIServer

/// A CRD's custom resources served through the handler: the controller's status, discovery, CRUD with
/// schema validation, strict pruning and defaulting, the status split and scale.
@Suite struct CustomResourceServingTests {
    let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    let widgets = "/apis/example.com/v1/namespaces/default/widgets"

    let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "widgets.example.com"],
        "spec": ["group": "example.com", "scope": "Namespaced", "names": ["plural": "widgets", "kind": "Widget", "shortNames": ["wd"]],
                 "versions": [["name": "v1", "served": true, "storage": true,
                               "subresources": ["status": [:], "scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"]],
                               "schema": ["openAPIV3Schema": ["type": "object", "properties": [
                                   "spec": ["type": "object", "properties": ["replicas": ["type": "integer", "default": 1], "color": ["type": "string"]]],
                                   "status": ["type": "object", "properties": ["replicas": ["type": "integer"]]],
                               ]]]]]],
    ]

    /// Creates the CRD and runs the controller's reconcile once, as its watch would.
    func established() async throws -> TestServer {
        let s = try await TestServer()
        let created = await s.send("POST", crds, body: crd)
        #expect(created.status == 201)
        let store = try #require(s.handler.store("apiextensions.k8s.io", "customresourcedefinitions"))
        await s.handler.crdController.reconcile(s.handler, store, try #require(created.json))
        return s
    }

    @Test func controllerSetsStatusAndServes() async throws {
        let s = try await established()
        let got = await s.send("GET", crds + "/widgets.example.com")
        let conditions = got.json?[path: ["status", "conditions"]]?.array ?? []
        #expect(conditions.map { $0["type"]?.string ?? "" } == ["NamesAccepted", "Established"])
        #expect(conditions.allSatisfy { $0["status"]?.string == "True" })
        #expect(got.json?[path: ["status", "acceptedNames", "kind"]]?.string == "Widget")
        let discovery = await s.send("GET", "/apis/example.com/v1")
        let names = discovery.json?["resources"]?.array?.compactMap { $0["name"]?.string } ?? []
        #expect(names == ["widgets", "widgets/scale", "widgets/status"])
    }

    @Test func crudWithDefaultsPruningAndValidation() async throws {
        let s = try await established()
        let w: JSON = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "a"],
                       "spec": ["color": "red", "junk": 1], "status": ["replicas": 5]]
        let strict = await s.send("POST", widgets, query: "fieldValidation=Strict", body: w)
        #expect(strict.status == 400)
        #expect(strict.json?["message"]?.string == #"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.junk""#)
        let created = await s.send("POST", widgets, body: w)
        #expect(created.status == 201)
        #expect(created.json?["spec"] == ["color": "red", "replicas": 1])
        #expect(created.json?["status"] == nil)
        let bad = await s.send("PATCH", widgets + "/a", body: ["spec": ["replicas": "x"]], contentType: "application/merge-patch+json")
        #expect(bad.status == 422)
        #expect(bad.json?["message"]?.string == #"Widget.example.com "a" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#)
        let smp = await s.send("PATCH", widgets + "/a", body: ["spec": ["replicas": 2]], contentType: "application/strategic-merge-patch+json")
        #expect(smp.status == 415)
        let status = await s.send("PATCH", widgets + "/a/status", body: ["spec": ["color": "blue"], "status": ["replicas": 3]],
                                  contentType: "application/merge-patch+json")
        #expect(status.json?["spec"]?["color"] == "red")
        #expect(status.json?["status"] == ["replicas": 3])
        let scaled = await s.send("PATCH", widgets + "/a/scale", body: ["spec": ["replicas": 4]], contentType: "application/merge-patch+json")
        #expect(scaled.json?["spec"] == ["replicas": 4])
        #expect(scaled.json?["status"]?["replicas"] == 3)
        let list = await s.send("GET", widgets, query: "fieldSelector=metadata.name%3Da")
        #expect(list.json?["items"]?.array?.count == 1)
        #expect(list.json?["kind"] == "WidgetList")
        let table = await s.send("GET", widgets, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(table.json?["columnDefinitions"]?.array?.compactMap { $0["name"]?.string } == ["Name", "Age"])
        let deleted = await s.send("DELETE", widgets + "/a")
        #expect(deleted.status == 200)
        #expect(await s.send("GET", widgets + "/a").status == 404)
    }
}
