import Foundation
import Testing

@testable import APIMachinery

@Suite struct ApplyTests {
    typealias F = ApplyFixtures

    @Test func createFromAppliedConfiguration() throws {
        let manifest = F.manifest()
        let created = try F.apply(nil, manifest)
        var withoutManaged = created
        withoutManaged[path: ["metadata", "managedFields"]] = nil
        #expect(withoutManaged == manifest)

        let entries = F.entries(created)
        #expect(entries.count == 1)
        let expected = try JSON.parse(#"""
            {"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z",
             "fieldsType":"FieldsV1","fieldsV1":{
               "f:metadata":{"f:labels":{"f:app":{}}},
               "f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
                 "f:metadata":{"f:labels":{"f:app":{}}},
                 "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}}
            """#)
        #expect(entries[0] == expected)
    }

    @Test func reapplyingTheSameConfigurationChangesNothing() throws {
        let created = F.stored(try F.apply(nil, F.manifest()))
        let again = try F.apply(created, F.manifest(), now: F.t1)
        #expect(again == created)
        // Not even the time: nothing changed.
        #expect(F.entry(again, manager: "kubectl")?["time"] == .string(F.t0))
    }

    @Test func fieldsNoLongerAppliedAreRemoved() throws {
        let first = F.manifest(labels: ["app": "web", "tier": "frontend"]) {
            $0[path: ["spec", "minReadySeconds"]] = 5
        }
        let live = F.stored(try F.apply(nil, first))
        let second = F.manifest(replicas: nil, labels: ["app": "web"])
        let result = try F.apply(live, second, now: F.t1)
        #expect(result[path: ["metadata", "labels"]] == ["app": "web"])
        #expect(result[path: ["spec", "minReadySeconds"]] == nil)
        #expect(result[path: ["spec", "replicas"]] == nil)
        let owned = try F.fields(result, manager: "kubectl")
        #expect(!owned.contains(F.p("metadata", "labels", "tier")))
        #expect(!owned.contains(F.p("spec", "replicas")))
        #expect(owned.contains(F.p("metadata", "labels", "app")))
        #expect(F.entry(result, manager: "kubectl")?["time"] == .string(F.t1))
        // Identity the server set is untouched.
        #expect(result[path: ["metadata", "uid"]] == live[path: ["metadata", "uid"]])
    }

    @Test func containersEmptiedByPruningDisappear() throws {
        let withAnnotations = F.manifest { $0[path: ["metadata", "annotations"]] = ["a": "1", "b": "2"] }
        let live = F.stored(try F.apply(nil, withAnnotations))
        let result = try F.apply(live, F.manifest(), now: F.t1)
        #expect(result[path: ["metadata"]]?.object?.keys.contains("annotations") == false)
        #expect(result[path: ["metadata", "labels"]] == ["app": "web"])
    }

    @Test func aRemovedFieldStaysWhenAnotherManagerOwnsIt() throws {
        var live = F.stored(try F.apply(nil, F.manifest(labels: ["app": "web", "tier": "frontend"]), manager: "a"))
        // "b" applies the same value: no conflict, shared ownership.
        let bConfig: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "labels": ["tier": "frontend"]],
        ]
        live = try F.apply(live, bConfig, manager: "b", now: F.t1)
        #expect(try F.fields(live, manager: "a").contains(F.p("metadata", "labels", "tier")))
        #expect(try F.fields(live, manager: "b") == FieldSet([F.p("metadata", "labels", "tier")]))

        let result = try F.apply(live, F.manifest(labels: ["app": "web"]), manager: "a", now: F.t2)
        #expect(result[path: ["metadata", "labels"]] == ["app": "web", "tier": "frontend"])
        #expect(!(try F.fields(result, manager: "a").contains(F.p("metadata", "labels", "tier"))))
        #expect(try F.fields(result, manager: "b") == FieldSet([F.p("metadata", "labels", "tier")]))
    }

    @Test func twoManagersOwningDifferentFields() throws {
        var live = F.stored(try F.apply(nil, F.manifest(), manager: "a"))
        let bConfig: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "annotations": ["team": "blue"]],
            "spec": ["minReadySeconds": 10],
        ]
        live = try F.apply(live, bConfig, manager: "b", now: F.t1)
        #expect(live[path: ["metadata", "annotations", "team"]] == "blue")
        #expect(live[path: ["spec", "replicas"]] == 3)
        #expect(try F.fields(live, manager: "b") == FieldSet([F.p("metadata", "annotations", "team"), F.p("spec", "minReadySeconds")]))
        #expect(F.entries(live).map { $0["manager"]?.string } == ["a", "b"])

        // Re-applying "a" leaves b's fields alone: a never owned them.
        let again = try F.apply(live, F.manifest(), manager: "a", now: F.t2)
        #expect(again == live)
    }

    @Test func conflictOnASharedFieldAndForceMovesOwnership() throws {
        let live = F.stored(try F.apply(nil, F.manifest(replicas: 3), manager: "a"))
        let scale: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "default"],
            "spec": ["replicas": 5],
        ]
        let error = try #require(throws: ApplyConflictError.self) { try F.apply(live, scale, manager: "b") }
        #expect(error.message == #"Apply failed with 1 conflict: conflict with "a": .spec.replicas"#)
        #expect(error.conflicts.map(\.field) == [".spec.replicas"])

        // The same value is no conflict: both own it.
        let shared = try F.apply(live, ["apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default"], "spec": ["replicas": 3]], manager: "b")
        #expect(try F.fields(shared, manager: "a").contains(F.p("spec", "replicas")))
        #expect(try F.fields(shared, manager: "b").contains(F.p("spec", "replicas")))

        let forced = try F.apply(live, scale, manager: "b", force: true, now: F.t1)
        #expect(forced[path: ["spec", "replicas"]] == 5)
        #expect(try F.fields(forced, manager: "b") == FieldSet([F.p("spec", "replicas")]))
        #expect(!(try F.fields(forced, manager: "a").contains(F.p("spec", "replicas"))))

        // "a" no longer owns replicas: applying without it leaves b's value, applying it conflicts with b.
        let aWithout = try F.apply(forced, F.manifest(replicas: nil), manager: "a", now: F.t2)
        #expect(aWithout[path: ["spec", "replicas"]] == 5)
        let back = try #require(throws: ApplyConflictError.self) { try F.apply(forced, F.manifest(replicas: 3), manager: "a") }
        #expect(back.message == #"Apply failed with 1 conflict: conflict with "b": .spec.replicas"#)
    }

    @Test func listMapElementsMergeByKey() throws {
        let live = F.stored(try F.apply(nil, F.manifest(), manager: "a"))
        let sidecar: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "default"],
            "spec": ["template": ["spec": ["containers": [
                ["name": "log", "image": "busybox", "ports": [["containerPort": 9000], ["containerPort": 9000, "protocol": "UDP"]]],
            ]]]],
        ]
        let merged = try F.apply(live, sidecar, manager: "b", now: F.t1)
        let containers = try #require(merged[path: F.containers]?.array)
        #expect(containers.map { $0["name"] } == ["nginx", "log"])
        #expect(containers[0]["image"] == "nginx:1.25")
        // Ports are keyed by containerPort and protocol, protocol defaulting to TCP: two elements.
        #expect(containers[1]["ports"]?.array?.count == 2)
        let bFields = try F.fields(merged, manager: "b")
        let tcp = #"k:{"containerPort":9000,"protocol":"TCP"}"#
        let udp = #"k:{"containerPort":9000,"protocol":"UDP"}"#
        #expect(bFields.contains(F.container(#"k:{"name":"log"}"#, "ports") + F.p(tcp)))
        #expect(bFields.contains(F.container(#"k:{"name":"log"}"#, "ports") + F.p(udp, "protocol")))
        #expect(!bFields.contains(F.container(F.nginx)))

        // "a" changes its image; b's container stays, and order follows the live list.
        let updated = try F.apply(merged, F.manifest(image: "nginx:1.26"), manager: "a", now: F.t2)
        #expect(updated[path: F.containers]?.array?.map { $0["image"] } == ["nginx:1.26", "busybox"])

        // "b" stops applying its container: it goes, nginx stays.
        let gone = try F.apply(updated, ["apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "labels": ["x": "y"]]], manager: "b", now: F.t2)
        #expect(gone[path: F.containers]?.array?.map { $0["name"] } == ["nginx"])
    }

    @Test func listOrderFollowsTheConfigForSharedElements() throws {
        func withContainers(_ names: [String]) -> JSON {
            F.manifest {
                $0[path: F.containers] = .array(names.map { ["name": .string($0), "image": "i"] })
            }
        }
        let live = F.stored(try F.apply(nil, withContainers(["a", "b", "c"]), manager: "m"))
        let extra: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["template": ["spec": ["containers": [["name": "x", "image": "i"]]]]]]
        let withX = try F.apply(live, extra, manager: "other")
        #expect(withX[path: F.containers]?.array?.map { $0["name"] } == ["a", "b", "c", "x"])
        let reordered = try F.apply(withX, withContainers(["c", "new", "a", "b"]), manager: "m", now: F.t1)
        // Shared elements take the config's order; x keeps its place after c, where it followed it live.
        #expect(reordered[path: F.containers]?.array?.map { $0["name"] } == ["c", "x", "new", "a", "b"])
    }

    @Test func setsUnion() throws {
        let withFinalizers = { (values: [JSON]) in
            F.manifest { $0[path: ["metadata", "finalizers"]] = .array(values) }
        }
        var live = F.stored(try F.apply(nil, withFinalizers(["example.com/a"]), manager: "a"))
        let b: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "finalizers": ["example.com/b", "example.com/a"]]]
        live = try F.apply(live, b, manager: "b", now: F.t1)
        #expect(live[path: ["metadata", "finalizers"]] == ["example.com/b", "example.com/a"])
        #expect(try F.fields(live, manager: "b") == FieldSet([
            [.field("metadata"), .field("finalizers"), .value("example.com/a")],
            [.field("metadata"), .field("finalizers"), .value("example.com/b")],
        ]))
        // "a" drops its finalizer, but b applied it too: it stays. b's own stays as well.
        live = try F.apply(live, withFinalizers([]), manager: "a", now: F.t2)
        #expect(live[path: ["metadata", "finalizers"]] == ["example.com/b", "example.com/a"])
        // Once b drops it as well, it goes.
        let bOnly: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "finalizers": ["example.com/b"]]]
        live = try F.apply(live, bOnly, manager: "b", now: F.t2)
        #expect(live[path: ["metadata", "finalizers"]] == ["example.com/b"])
    }

    @Test func atomicListsAndMapsAreReplacedWhole() throws {
        let withArgs = { (args: [JSON]) in
            F.manifest { $0[path: F.containers] = [["name": "nginx", "image": "nginx", "args": .array(args)]] }
        }
        var live = F.stored(try F.apply(nil, withArgs(["-a", "-b"]), manager: "a"))
        live = try F.apply(live, withArgs(["-c"]), manager: "a", now: F.t1)
        #expect(live[path: F.containers]?[0]?["args"] == ["-c"])
        #expect(try F.fields(live, manager: "a").contains(F.container(F.nginx, "args")))

        // Another manager touching the atomic list conflicts on the list as a whole.
        let other: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["template": ["spec": ["containers": [["name": "nginx", "args": ["-z"]]]]]]]
        let error = try #require(throws: ApplyConflictError.self) { try F.apply(live, other, manager: "b") }
        #expect(error.conflicts.map(\.field) == [#".spec.template.spec.containers[name="nginx"].args"#])

        // The selector is an atomic map: replaced, not merged.
        var selector = F.manifest()
        selector[path: ["spec", "selector"]] = ["matchLabels": ["tier": "x"]]
        let replaced = try F.apply(live, selector, manager: "a", now: F.t2)
        #expect(replaced[path: ["spec", "selector"]] == ["matchLabels": ["tier": "x"]])
    }

    @Test func resetAndServerFieldsAreNotOwned() throws {
        let manifest = F.manifest {
            $0[path: ["status"]] = ["replicas": 7]
            $0[path: ["metadata", "uid"]] = "abc"
            $0[path: ["metadata", "resourceVersion"]] = "5"
            $0[path: ["metadata", "generation"]] = 2
        }
        let created = try F.apply(nil, manifest)
        let owned = try F.fields(created, manager: "kubectl")
        #expect(owned.subtractingRecursively(FieldSet([F.p("status")])) == owned)
        for f in ["uid", "resourceVersion", "generation", "name", "namespace"] {
            #expect(!owned.contains(F.p("metadata", f)))
        }
        #expect(!owned.contains(F.p("apiVersion")) && !owned.contains(F.p("kind")))

        // Through the status subresource it is the other way round.
        let statusApply: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["replicas": 1], "status": ["replicas": 2]]
        let viaStatus = try F.apply(F.stored(created), statusApply, manager: "ctl", now: F.t1, subresource: "status")
        let entry = try #require(F.entry(viaStatus, manager: "ctl"))
        #expect(entry["subresource"] == "status")
        #expect(try FieldSet(fieldsV1: entry["fieldsV1"]!) == FieldSet([F.p("status", "replicas")]))
    }

    @Test func nullInTheConfigUnsetsAndIsOwned() throws {
        let live = F.stored(try F.apply(nil, F.manifest(), manager: "a"))
        var config = F.manifest()
        config[path: ["spec", "minReadySeconds"]] = nil
        config[path: ["spec", "paused"]] = .null
        let result = try F.apply(live, config, manager: "a", now: F.t1)
        #expect(result[path: ["spec"]]?.object?.keys.contains("paused") == false)
        #expect(try F.fields(result, manager: "a").contains(F.p("spec", "paused")))
        // Unsetting a field someone else owns is a change to it: a conflict.
        let unset: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["replicas": nil]]
        #expect(throws: ApplyConflictError.self) { try F.apply(live, unset, manager: "b") }
    }

    @Test func badManifestsAreRejectedWithUpstreamMessages() throws {
        func apiError(_ body: () throws -> JSON) -> APIError? {
            do { _ = try body() } catch let e as APIError { return e } catch { return nil }
            return nil
        }
        var withManaged = F.manifest()
        withManaged[path: ["metadata", "managedFields"]] = []
        #expect(apiError { try F.apply(nil, withManaged) } == .badRequest("metadata.managedFields must be nil"))

        var wrongKind = F.manifest()
        wrongKind["kind"] = "ReplicaSet"
        #expect(apiError { try F.apply(nil, wrongKind) } == .badRequest("invalid object type: apps/v1, Kind=ReplicaSet"))

        let wrongVersion = apiError {
            try ServerSideApply.apply(live: nil, applied: F.manifest(), manager: "m", force: false, schema: F.deployment,
                apiVersion: "apps/v2", now: F.t0)
        }
        #expect(wrongVersion?.message == "Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: apps/v2")
        #expect(apiError { try F.apply(nil, ["a", "b"]) }?.code == 400)

        let noName = F.manifest { $0[path: F.containers] = [["image": "x"]] }
        let e1 = try #require(apiError { try F.apply(nil, noName) })
        #expect(e1.code == 400 && e1.reason == "BadRequest")
        #expect(e1.message == #"failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#)

        let duplicate = F.manifest {
            $0[path: F.containers] = [["name": "a"], ["name": "a"]]
            $0[path: ["metadata", "finalizers"]] = ["x", "x"]
        }
        let e2 = try #require(apiError { try F.apply(nil, duplicate) })
        #expect(e2.message.hasPrefix("failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n  "))
        #expect(e2.message.contains(#"  .spec.template.spec.containers: duplicate entries for key [name="a"]"#))
        #expect(e2.message.contains(#"  .metadata.finalizers: duplicate entries for key [="x"]"#))

        var badLive = F.stored(F.manifest())
        badLive[path: ["metadata", "managedFields"]] = [["manager": "x", "operation": "Patch", "apiVersion": "v1"]]
        let e3 = try #require(apiError { try F.apply(badLive, F.manifest()) })
        #expect(e3.code == 500)
        #expect(e3.message == "failed to decode managed fields: operation must be `Apply` or `Update`")
    }

    @Test func applyWithoutSchemaTreatsListsAsAtomic() throws {
        let cm: JSON = ["apiVersion": "v1", "kind": "Thing", "metadata": ["name": "x"],
            "data": ["a": "1", "b": "2"], "items": [1, 2]]
        let created = try ServerSideApply.apply(live: nil, applied: cm, manager: "m", force: false, schema: nil,
            apiVersion: "v1", now: F.t0)
        let fields = try FieldSet(fieldsV1: F.entries(created)[0]["fieldsV1"]!)
        #expect(fields == FieldSet([F.p("data"), F.p("data", "a"), F.p("data", "b"), F.p("items")]))
        var next = cm
        next["data"] = ["a": "1"]
        next["items"] = [3]
        let updated = try ServerSideApply.apply(live: created, applied: next, manager: "m", force: false, schema: nil,
            apiVersion: "v1", now: F.t1)
        #expect(updated["data"] == ["a": "1"])
        #expect(updated["items"] == [3])
    }
}
