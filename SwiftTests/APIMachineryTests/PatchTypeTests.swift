import Foundation
import Testing

@testable import APIMachinery

@Suite struct PatchTypeTests {
    @Test(arguments: [
        ("application/json-patch+json", PatchType.json),
        ("application/merge-patch+json; charset=utf-8", .merge),
        ("Application/Strategic-Merge-Patch+JSON", .strategicMerge),
    ])
    func contentTypesSelectTheEngine(_ header: String, _ expected: PatchType) {
        #expect(PatchType(contentType: header) == expected)
    }

    @Test func unknownContentTypesAreNotPatchTypes() {
        #expect(PatchType(contentType: "application/json") == nil)
        #expect(PatchType(contentType: "application/apply-patch+yaml") == nil)
        #expect(PatchType(contentType: "") == nil)
    }

    @Test func eachTypeAppliesItsOwnSemantics() throws {
        let original = patchJSON(#"{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"x","image":"1"},{"name":"y"}]}}"#)
        let containerPatch = #"{"spec":{"containers":[{"name":"x","image":"2"}]}}"#
        let schema = PatchSchemaFixture.pod

        let merged = try PatchType.merge.apply(body: Data(containerPatch.utf8), to: original, schema: schema)
        #expect(merged["spec"]?["containers"] == patchJSON(#"[{"name":"x","image":"2"}]"#))

        let strategic = try PatchType.strategicMerge.apply(body: Data(containerPatch.utf8), to: original, schema: schema)
        #expect(strategic["spec"]?["containers"] == patchJSON(#"[{"name":"x","image":"2"},{"name":"y"}]"#))

        let jsonPatch = try PatchType.json.apply(
            body: Data(#"[{"op":"replace","path":"/spec/containers/1/name","value":"z"}]"#.utf8), to: original, schema: schema)
        #expect(jsonPatch["spec"]?["containers"]?[1]?["name"] == "z")
    }

    @Test func bodiesThatAreNotJSONAre400() {
        for type in PatchType.allCases {
            let error = #expect(throws: PatchError.self) {
                try type.apply(body: Data("{not json".utf8), to: patchJSON("{}"), schema: nil)
            }
            #expect(error?.apiError.code == 400)
            #expect(error?.apiError.reason == "BadRequest")
            if type != .strategicMerge { #expect(error?.message.hasPrefix("error decoding patch: ") == true) }
        }
    }

    @Test func statusesMapToUpstreamResponses() {
        let bad = PatchError(.badRequest, "invalid patch format of retainKeys").apiError
        #expect(bad.code == 400 && bad.reason == "BadRequest" && bad.message == "invalid patch format of retainKeys")

        let invalid = PatchError(.unprocessable, "testing value /a failed: test failed").apiError
        #expect(invalid.code == 422)
        #expect(invalid.reason == "Invalid")
        #expect(invalid.message == "the server rejected our request due to an error in our request")
        #expect(invalid.status["details"] == patchJSON("{}"))

        let large = PatchError(.tooLarge, "The allowed maximum operations in a JSON patch is 10000, got 10001").apiError
        #expect(large.code == 413 && large.reason == "RequestEntityTooLarge")

        // Upstream answers these plain errors 500; the mistake is the client's, so Skiff says 400.
        let plain = PatchError(.plainError, "map: map[a:b] does not contain declared merge key: name").apiError
        #expect(plain.code == 400)
        #expect(plain.reason == "BadRequest")
        #expect(plain.message == "map: map[a:b] does not contain declared merge key: name")
    }

    @Test func goFormattingOfValuesInMessages() {
        #expect(GoValueFormat.string(patchJSON(#"{"b":[1,"x",null],"a":{"c":true}}"#)) == "map[a:map[c:true] b:[1 x <nil>]]")
        #expect(GoValueFormat.float(100) == "100")
        #expect(GoValueFormat.float(1.5) == "1.5")
        #expect(GoValueFormat.float(1e6) == "1e+06")
        #expect(GoValueFormat.float(1234567) == "1.234567e+06")
        #expect(GoValueFormat.float(0.00001) == "1e-05")
        #expect(GoValueFormat.typeName(patchJSON("[]")) == "[]interface {}")
    }
}
