import Foundation
import Testing

@testable import APIMachinery

@Suite struct ApplyFieldSetTests {
    typealias F = ApplyFixtures

    @Test func fieldsV1RoundTrip() throws {
        let text = #"""
            {"f:metadata":{"f:labels":{".":{},"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}},
             "f:metadata2":{"f:finalizers":{"v:\"example.com/x\"":{}}}}
            """#
        let json = try JSON.parse(text)
        let set = try FieldSet(fieldsV1: json)
        #expect(set.contains(F.p("metadata", "labels")))
        #expect(set.contains(F.p("metadata", "labels", "app")))
        #expect(!set.contains(F.p("metadata")))
        #expect(set.contains(F.container(F.nginx)))
        #expect(set.contains(F.container(F.nginx, "image")))
        let port = F.container(F.nginx, "ports") + [PathElement.keyed([("protocol", "TCP"), ("containerPort", 80)])]
        #expect(set.contains(port))
        #expect(set.contains(port + [.field("containerPort")]))
        #expect(set.contains([.field("metadata2"), .field("finalizers"), .value("example.com/x")]))
        #expect(set.count == 8)
        // Writing it back gives the same document.
        #expect(set.fieldsV1 == json)
        #expect(try FieldSet(fieldsV1: set.fieldsV1) == set)
    }

    @Test func keysAreWrittenAsGoWritesThem() {
        let port = PathElement.keyed([("protocol", "TCP"), ("containerPort", 8080)])
        #expect(port.fieldsV1Key == #"k:{"containerPort":8080,"protocol":"TCP"}"#)
        #expect(port.description == #"[containerPort=8080,protocol="TCP"]"#)
        // Go's encoder escapes HTML characters and leaves "/" alone.
        let odd = PathElement.value("a<b>&c/d\"e")
        #expect(odd.fieldsV1Key == #"v:"a\u003cb\u003e\u0026c/d\"e""#)
        #expect(odd.description == #"[="a<b>&c/d\"e"]"#)
        #expect(PathElement.value(5).description == "[=5]")
        #expect(PathElement.index(2).fieldsV1Key == "i:2")
        #expect(PathElement.field("kubectl.kubernetes.io/last-applied-configuration").fieldsV1Key
            == "f:kubectl.kubernetes.io/last-applied-configuration")
        // A double-valued key names the same element as the integer.
        #expect(PathElement.keyed([("port", .double(80))]) == PathElement.keyed([("port", 80)]))
    }

    @Test func parsesEveryKeyKindAndRejectsBadOnes() throws {
        #expect(try PathElement(fieldsV1Key: "f:a.b") == .field("a.b"))
        #expect(try PathElement(fieldsV1Key: #"v:"x""#) == .value("x"))
        #expect(try PathElement(fieldsV1Key: "i:3") == .index(3))
        #expect(try PathElement(fieldsV1Key: #"k:{"b":1,"a":"z"}"#) == .keyed([("a", "z"), ("b", 1)]))
        // Unknown kinds are skipped, as upstream does with data from newer servers.
        #expect(try PathElement(fieldsV1Key: "z:whatever") == nil)
        #expect(throws: FieldsV1Error.self) { try PathElement(fieldsV1Key: "f") }
        #expect(throws: FieldsV1Error.self) { try PathElement(fieldsV1Key: "fx") }
        #expect(throws: FieldsV1Error.self) { try PathElement(fieldsV1Key: "k:[1]") }
        #expect(throws: FieldsV1Error.self) { try PathElement(fieldsV1Key: "i:x") }
        #expect(throws: FieldsV1Error.self) { try FieldSet(fieldsV1: ["f:a": "b"]) }
        #expect(throws: FieldsV1Error.self) { try FieldSet(fieldsV1: "nope") }
        let skipped = try FieldSet(fieldsV1: ["z:future": [:], "f:a": [:]])
        #expect(skipped == FieldSet([F.p("a")]))
    }

    @Test func setAlgebra() {
        let a = FieldSet([F.p("a"), F.p("b", "c"), F.p("b", "d"), F.p("e")])
        let b = FieldSet([F.p("b", "c"), F.p("e"), F.p("x")])
        #expect(a.union(b) == FieldSet([F.p("a"), F.p("b", "c"), F.p("b", "d"), F.p("e"), F.p("x")]))
        #expect(a.intersection(b) == FieldSet([F.p("b", "c"), F.p("e")]))
        #expect(a.subtracting(b) == FieldSet([F.p("a"), F.p("b", "d")]))
        #expect(a.subtracting(a).isEmpty)
        // A member and its children are different paths: removing "b" keeps "b.c".
        let withB = FieldSet([F.p("b"), F.p("b", "c")])
        #expect(withB.subtracting(FieldSet([F.p("b")])) == FieldSet([F.p("b", "c")]))
        // ...unless removed recursively, as reset fields are.
        #expect(withB.subtractingRecursively(FieldSet([F.p("b")])).isEmpty)
        #expect(a.subtractingRecursively(FieldSet([F.p("b", "c")])) == FieldSet([F.p("a"), F.p("b", "d"), F.p("e")]))
        // Empty children never linger, so equal sets compare equal.
        #expect(FieldSet([F.p("b", "c")]).subtracting(FieldSet([F.p("b", "c")])) == FieldSet())
        #expect(FieldSet([[]]).isEmpty)
    }

    @Test func pathsAreListedMembersFirstInUpstreamOrder() {
        let set = FieldSet([
            F.p("spec", "template", "spec", "x"), F.p("spec", "replicas"), F.p("metadata", "labels", "b"),
            F.p("metadata", "labels", "a"), F.p("apiVersion"),
        ])
        #expect(set.paths.map(\.fieldPathString) == [
            ".apiVersion", ".metadata.labels.a", ".metadata.labels.b", ".spec.replicas", ".spec.template.spec.x",
        ])
        #expect(F.container(F.nginx, "image").fieldPathString == #".spec.template.spec.containers[name="nginx"].image"#)
    }

    @Test func fieldSetOfAnObjectFollowsTheSchema() {
        let object = F.manifest {
            $0[path: ["metadata", "finalizers"]] = ["a/b", "c/d"]
            $0[path: ["spec", "template", "spec", "containers", ]] = [[
                "name": "nginx", "image": "nginx", "args": ["-v"], "resources": [:],
                "ports": [["containerPort": 80]],
            ]]
            $0[path: ["spec", "paused"]] = nil
            $0[path: ["spec", "strategy"]] = ["rollingUpdate": nil]
        }
        let set = FieldSet.of(object, schema: F.deployment)
        let expected = FieldSet([
            F.p("apiVersion"), F.p("kind"), F.p("metadata", "name"), F.p("metadata", "namespace"),
            F.p("metadata", "labels", "app"),
            [.field("metadata"), .field("finalizers"), .value("a/b")],
            [.field("metadata"), .field("finalizers"), .value("c/d")],
            F.p("spec", "replicas"),
            F.p("spec", "selector"),  // atomic map: one leaf
            F.p("spec", "strategy", "rollingUpdate"),  // null: owned itself
            F.p("spec", "template", "metadata", "labels", "app"),
            F.container(), F.container(F.nginx, "name"), F.container(F.nginx, "image"),
            F.container(F.nginx, "args"),  // atomic list: one leaf
            F.container(F.nginx, "resources"),  // empty struct: owned itself
            F.container(F.nginx, "ports") + [.keyed([("containerPort", 80), ("protocol", "TCP")])],
            F.container(F.nginx, "ports") + [.keyed([("containerPort", 80), ("protocol", "TCP")]), .field("containerPort")],
        ])
        #expect(set == expected)
    }

    @Test func withoutSchemaMapsAreGranularAndListsAtomic() {
        let set = FieldSet.of(["spec": ["a": 1, "list": [1, 2], "m": ["x": "y"]]], schema: nil)
        #expect(set == FieldSet([
            F.p("spec"), F.p("spec", "a"), F.p("spec", "list"), F.p("spec", "m"), F.p("spec", "m", "x"),
        ]))
        #expect(set.fieldsV1 == [
            "f:spec": [".": [:], "f:a": [:], "f:list": [:], "f:m": [".": [:], "f:x": [:]]],
        ])
    }

    @Test func elementsWithoutTheirKeyAreLeftOut() {
        let object: JSON = ["spec": ["template": ["spec": ["containers": [["image": "x"], ["name": "ok"]]]]]]
        let set = FieldSet.of(object, schema: F.deployment)
        #expect(set == FieldSet([F.container(#"k:{"name":"ok"}"#), F.container(#"k:{"name":"ok"}"#, "name")]))
        var errors: [(String, String)] = []
        _ = FieldSet.of(object, type: FieldType(node: F.deployment), errors: &errors)
        #expect(errors.count == 1)
        #expect(errors.first?.0 == ".spec.template.spec.containers")
        #expect(errors.first?.1 == #"element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#)
    }

    @Test func listKindsComeFromListTypeThenPatchStrategy() {
        let spec = FieldType(node: F.deployment).child("spec").type
        let podSpec = spec.child("template").type.child("spec").type
        #expect(podSpec.child("containers").type.listKind == .map(["name"]))
        #expect(podSpec.child("volumes").type.listKind == .map(["name"]))
        #expect(podSpec.child("tolerations").type.listKind == .atomic)
        #expect(FieldType(node: F.deployment).child("metadata").type.child("finalizers").type.listKind == .set)
        #expect(spec.child("selector").type.isAtomicMap)
        #expect(podSpec.child("nodeSelector").type.isAtomicMap)
        #expect(FieldType.deduced.listKind == .atomic)
        #expect(!FieldType.deduced.isAtomicMap)
        // Embedded structs are never reported as added; pointer structs are.
        #expect(spec.isEmbeddedStruct)
        #expect(spec.child("template").type.isEmbeddedStruct)
        #expect(!spec.child("strategy").type.child("rollingUpdate").type.isEmbeddedStruct)
        #expect(!podSpec.child("securityContext").type.isEmbeddedStruct)
    }

    @Test func managedFieldsEntriesDecodeStrictly() throws {
        func message(_ json: JSON) -> String? {
            do { _ = try ManagedFieldsEntry(json: json, index: 2) } catch { return error.description }
            return nil
        }
        let good: JSON = ["manager": "m", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
            "fieldsV1": ["f:data": ["f:a": [:]]], "time": "2024-05-01T10:00:00Z", "subresource": "status"]
        let entry = try ManagedFieldsEntry(json: good)
        #expect(entry.fields == FieldSet([F.p("data", "a")]))
        #expect(entry.json == good)
        #expect(entry.identifier == #"{"manager":"m","operation":"Update","apiVersion":"v1","subresource":"status"}"#)
        #expect(entry.conflictDescription == #""m" with subresource "status" using v1"#)
        var apply = good
        apply["operation"] = "Apply"
        #expect(try ManagedFieldsEntry(json: apply).identifier == #"{"manager":"m","operation":"Apply","subresource":"status"}"#)

        var bad = good
        bad["operation"] = "Patch"
        #expect(message(bad) == "operation must be `Apply` or `Update`")
        bad = good
        bad["apiVersion"] = ""
        #expect(message(bad) == "apiVersion must not be empty")
        bad = good
        bad["fieldsType"] = nil
        #expect(message(bad) == "missing fieldsType in managed fields entry 2")
        bad["fieldsType"] = "FieldsV2"
        #expect(message(bad) == #"invalid fieldsType "FieldsV2" in managed fields entry 2"#)
        bad = good
        bad["fieldsV1"] = ["f:a": 1]
        #expect(message(bad)?.hasPrefix("error decoding versioned set from entry 2") == true)
    }

    @Test func goTextMatchesGoFormatting() {
        #expect(GoText.quote("a\"b\\c\nd\u{01}é") == #""a\"b\\c\nd\x01é""#)
        #expect(GoText.formatG(0.5) == "0.5")
        #expect(GoText.formatG(100000) == "100000")
        #expect(GoText.formatG(1_000_000) == "1e+06")
        #expect(GoText.formatG(0.0001) == "0.0001")
        #expect(GoText.formatG(0.00001) == "1e-05")
        #expect(GoText.jsonFloat(1.5) == "1.5")
        #expect(GoText.jsonFloat(1e21) == "1e+21")
        #expect(GoText.jsonFloat(1e-7) == "1e-7")
        #expect(GoText.jsonFloat(123456789) == "123456789")
        #expect(GoText.json(["b": 1, "a": ["x": [true, nil]], "c": "<"]) == #"{"a":{"x":[true,null]},"b":1,"c":"\u003c"}"#)
    }
}
