import Foundation
import Testing

@testable import APIMachinery

/// Apply and update tracking driven by the bundled v1.32 schema.
@Suite struct ApplyRealSchemaTests {
    typealias F = ApplyFixtures

    static let nginx = #"""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"nginx","namespace":"default","labels":{"app":"nginx"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"nginx"}},
           "template":{"metadata":{"labels":{"app":"nginx"}},
             "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}],
                                    "args":["-g","daemon off;"]}]}}}}
        """#

    func deployment() throws -> SchemaNode {
        try #require(Schema.shared.node(group: "apps", version: "v1", kind: "Deployment"))
    }

    @Test func serverSideApplyOfADeployment() throws {
        let manifest = try JSON.parse(Self.nginx)
        let created = try ServerSideApply.apply(
            live: nil, applied: manifest, manager: "kubectl", force: false, schema: try deployment(),
            apiVersion: "apps/v1", now: F.t0, kind: "Deployment")
        let fields = try #require(F.entries(created).first?["fieldsV1"])
        #expect(fields == (try JSON.parse(#"""
            {"f:metadata":{"f:labels":{"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:selector":{},
               "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                 "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:args":{},"f:image":{},"f:name":{},
                   "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}
            """#)))

        // A second container from another manager merges in by name; its ports by containerPort+protocol.
        var sidecar: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "nginx", "namespace": "default"]]
        sidecar[path: ["spec", "template", "spec", "containers"]] = [["name": "log", "image": "busybox",
            "ports": [["containerPort": 80, "protocol": "UDP"]]]]
        let merged = try ServerSideApply.apply(
            live: F.stored(created), applied: sidecar, manager: "sidecar-injector", force: false,
            schema: try deployment(), apiVersion: "apps/v1", now: F.t1, kind: "Deployment")
        #expect(merged[path: F.containers]?.array?.map { $0["name"] } == ["nginx", "log"])
    }

    @Test func clientSideHistoryThenServerSideApplyConflicts() throws {
        var manifest = try JSON.parse(Self.nginx)
        // What the API server stores after kubectl's client-side create, defaults included.
        var stored = manifest
        stored[path: ["spec", "strategy"]] = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]
        stored[path: ["spec", "revisionHistoryLimit"]] = 10
        stored[path: ["spec", "template", "spec", "containers", ]] = [[
            "name": "nginx", "image": "nginx:1.25", "args": ["-g", "daemon off;"],
            "ports": [["containerPort": 80, "protocol": "TCP"]], "resources": [:],
            "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent",
        ]]
        stored[path: ["spec", "template", "spec", "restartPolicy"]] = "Always"
        let live = F.stored(ServerSideApply.recordUpdate(
            old: nil, new: stored, manager: "kubectl-client-side-apply", schema: try deployment(),
            apiVersion: "apps/v1", now: F.t0))
        let csa = try F.fields(live, manager: "kubectl-client-side-apply")
        #expect(csa.contains(F.p("spec", "strategy", "rollingUpdate")))
        #expect(!csa.contains(F.p("spec", "template")) && !csa.contains(F.p("spec", "template", "spec", "containers")))
        #expect(csa.contains(F.container(F.nginx, "terminationMessagePath")))

        manifest[path: ["spec", "replicas"]] = 4
        manifest[path: F.containers] = [["name": "nginx", "image": "nginx:1.26", "ports": [["containerPort": 80]],
            "args": ["-g", "daemon off;"]]]
        let error = try #require(throws: ApplyConflictError.self) {
            try ServerSideApply.apply(
                live: live, applied: manifest, manager: "kubectl", force: false, schema: try deployment(),
                apiVersion: "apps/v1", now: F.t1, kind: "Deployment")
        }
        #expect(error.message == """
            Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:
            - .spec.replicas
            - .spec.template.spec.containers[name="nginx"].image
            """)

        let forced = try ServerSideApply.apply(
            live: live, applied: manifest, manager: "kubectl", force: true, schema: try deployment(),
            apiVersion: "apps/v1", now: F.t1, kind: "Deployment")
        #expect(forced[path: ["spec", "replicas"]] == 4)
        #expect(forced[path: F.containers]?[0]?["image"] == "nginx:1.26")
        // Defaults the client-side manager still owns are untouched.
        #expect(forced[path: F.containers]?[0]?["terminationMessagePath"] == "/dev/termination-log")
        #expect(F.entries(forced).map { $0["operation"]?.string } == ["Apply", "Update"])
    }

    @Test func servicePortsAreKeyedByPortAndProtocol() throws {
        let service = try #require(Schema.shared.node(group: "", version: "v1", kind: "Service"))
        let manifest: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
            "spec": ["selector": ["app": "web"], "ports": [["port": 80, "targetPort": 8080]]]]
        let created = try ServerSideApply.apply(
            live: nil, applied: manifest, manager: "kubectl", force: false, schema: service, apiVersion: "v1",
            now: F.t0, kind: "Service")
        let fields = try F.fields(created, manager: "kubectl")
        let port: FieldPath = [.field("spec"), .field("ports"), .keyed([("port", 80), ("protocol", "TCP")])]
        #expect(fields.contains(port))
        #expect(fields.contains(port + [.field("targetPort")]))
        // The service selector is an atomic map: owned as one leaf.
        #expect(fields.contains(F.p("spec", "selector")))
        #expect(!fields.contains(F.p("spec", "selector", "app")))
    }
}
