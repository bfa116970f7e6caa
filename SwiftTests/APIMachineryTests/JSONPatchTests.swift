import Testing

@testable import APIMachinery

/// Parses JSON text in tests; a malformed literal is a test bug, so it traps.
func patchJSON(_ text: String) -> JSON {
    do { return try JSON.parse(text) } catch { fatalError("bad JSON literal in test: \(text): \(error)") }
}

/// One RFC 6902 Appendix A example: document, patch, and the expected result (nil when the patch must fail).
struct RFC6902Case: Sendable, CustomTestStringConvertible {
    let name: String
    let doc: String
    let patch: String
    let expected: String?
    var testDescription: String { name }
}

@Suite struct JSONPatchTests {
    static let appendixA: [RFC6902Case] = [
        .init(name: "A.1 adding an object member", doc: #"{"foo":"bar"}"#,
              patch: #"[{"op":"add","path":"/baz","value":"qux"}]"#, expected: #"{"baz":"qux","foo":"bar"}"#),
        .init(name: "A.2 adding an array element", doc: #"{"foo":["bar","baz"]}"#,
              patch: #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, expected: #"{"foo":["bar","qux","baz"]}"#),
        .init(name: "A.3 removing an object member", doc: #"{"baz":"qux","foo":"bar"}"#,
              patch: #"[{"op":"remove","path":"/baz"}]"#, expected: #"{"foo":"bar"}"#),
        .init(name: "A.4 removing an array element", doc: #"{"foo":["bar","qux","baz"]}"#,
              patch: #"[{"op":"remove","path":"/foo/1"}]"#, expected: #"{"foo":["bar","baz"]}"#),
        .init(name: "A.5 replacing a value", doc: #"{"baz":"qux","foo":"bar"}"#,
              patch: #"[{"op":"replace","path":"/baz","value":"boo"}]"#, expected: #"{"baz":"boo","foo":"bar"}"#),
        .init(name: "A.6 moving a value", doc: #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
              patch: #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
              expected: #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        .init(name: "A.7 moving an array element", doc: #"{"foo":["all","grass","cows","eat"]}"#,
              patch: #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#, expected: #"{"foo":["all","cows","eat","grass"]}"#),
        .init(name: "A.8 testing a value: success", doc: #"{"baz":"qux","foo":["a",2,"c"]}"#,
              patch: #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
              expected: #"{"baz":"qux","foo":["a",2,"c"]}"#),
        .init(name: "A.9 testing a value: error", doc: #"{"baz":"qux"}"#,
              patch: #"[{"op":"test","path":"/baz","value":"bar"}]"#, expected: nil),
        .init(name: "A.10 adding a nested member object", doc: #"{"foo":"bar"}"#,
              patch: #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
              expected: #"{"foo":"bar","child":{"grandchild":{}}}"#),
        .init(name: "A.11 ignoring unrecognized elements", doc: #"{"foo":"bar"}"#,
              patch: #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, expected: #"{"foo":"bar","baz":"qux"}"#),
        .init(name: "A.12 adding to a nonexistent target", doc: #"{"foo":"bar"}"#,
              patch: #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, expected: nil),
        // A.13 (an operation with two "op" members) cannot be expressed once the body is parsed into `JSON`.
        .init(name: "A.14 ~ escape ordering", doc: #"{"/":9,"~1":10}"#,
              patch: #"[{"op":"test","path":"/~01","value":10}]"#, expected: #"{"/":9,"~1":10}"#),
        .init(name: "A.15 comparing strings and numbers", doc: #"{"/":9,"~1":10}"#,
              patch: #"[{"op":"test","path":"/~01","value":"10"}]"#, expected: nil),
        .init(name: "A.16 adding an array value", doc: #"{"foo":["bar"]}"#,
              patch: #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, expected: #"{"foo":["bar",["abc","def"]]}"#),
    ]

    @Test(arguments: appendixA)
    func rfc6902AppendixA(_ c: RFC6902Case) throws {
        let doc = patchJSON(c.doc)
        if let expected = c.expected {
            #expect(try JSONPatch.apply(patchJSON(c.patch), to: doc) == patchJSON(expected))
        } else {
            let error = #expect(throws: PatchError.self) { try JSONPatch.apply(patchJSON(c.patch), to: doc) }
            #expect(error?.status == .unprocessable)
        }
    }

    @Test func copyDuplicatesAValueAndLeavesTheSource() throws {
        let doc = patchJSON(#"{"spec":{"template":{"labels":{"app":"web"}}},"metadata":{}}"#)
        let out = try JSONPatch.apply(
            patchJSON(#"[{"op":"copy","from":"/spec/template/labels","path":"/metadata/labels"}]"#), to: doc)
        #expect(out == patchJSON(#"{"spec":{"template":{"labels":{"app":"web"}}},"metadata":{"labels":{"app":"web"}}}"#))
    }

    @Test func escapedKeysAddressAnnotationsWithSlashes() throws {
        let doc = patchJSON(#"{"metadata":{"annotations":{"example.com/team":"a"}}}"#)
        let out = try JSONPatch.apply(
            patchJSON(#"[{"op":"replace","path":"/metadata/annotations/example.com~1team","value":"b"},{"op":"add","path":"/metadata/annotations/x~0y","value":"c"}]"#),
            to: doc)
        #expect(out == patchJSON(#"{"metadata":{"annotations":{"example.com/team":"b","x~y":"c"}}}"#))
    }

    @Test func negativeIndicesCountFromTheEnd() throws {
        let doc = patchJSON(#"{"a":[1,2,3]}"#)
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"remove","path":"/a/-1"}]"#), to: doc) == patchJSON(#"{"a":[1,2]}"#))
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/a/-1","value":9}]"#), to: doc) == patchJSON(#"{"a":[1,2,3,9]}"#))
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"replace","path":"/a/-3","value":0}]"#), to: doc) == patchJSON(#"{"a":[0,2,3]}"#))
    }

    @Test func addAtTheArrayEndIndexAppends() throws {
        let doc = patchJSON(#"{"a":[1,2]}"#)
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/a/2","value":3}]"#), to: doc) == patchJSON(#"{"a":[1,2,3]}"#))
        #expect(throws: PatchError.self) { try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/a/3","value":3}]"#), to: doc) }
        #expect(throws: PatchError.self) { try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/a/x","value":3}]"#), to: doc) }
    }

    @Test func addReplacesAnExistingMemberAndWithoutValueAddsNull() throws {
        let doc = patchJSON(#"{"a":1}"#)
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/a","value":2}]"#), to: doc) == patchJSON(#"{"a":2}"#))
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/b"}]"#), to: doc) == patchJSON(#"{"a":1,"b":null}"#))
    }

    @Test(arguments: [
        #"[{"op":"replace","path":"/missing","value":1}]"#,
        #"[{"op":"remove","path":"/missing"}]"#,
        #"[{"op":"remove","path":"/list/5"}]"#,
        #"[{"op":"replace","path":"/list/2","value":1}]"#,
        #"[{"op":"test","path":"/missing","value":null}]"#,
        #"[{"op":"move","from":"/missing","path":"/x"}]"#,
        #"[{"op":"copy","from":"/missing","path":"/x"}]"#,
        #"[{"op":"add","path":"/scalar/x","value":1}]"#,
        #"[{"op":"add","path":"/nothing/x","value":1}]"#,
        #"[{"op":"move","from":"/obj","path":"/obj/child"}]"#,
        #"[{"op":"replace","path":"","value":{}}]"#,
        #"[{"op":"add","path":"no-slash","value":1}]"#,
        #"[{"op":"add","value":1}]"#,
        #"[{"op":"move","path":"/x"}]"#,
        #"[{"op":"frobnicate","path":"/x"}]"#,
        #"[{"path":"/x","value":1}]"#,
        #"[null]"#,
    ])
    func operationsThatCannotApplyAre422(_ patch: String) throws {
        let doc = patchJSON(#"{"scalar":1,"nothing":null,"list":[1,2],"obj":{"a":1}}"#)
        let error = #expect(throws: PatchError.self) { try JSONPatch.apply(patchJSON(patch), to: doc) }
        #expect(error?.status == .unprocessable)
        #expect(error?.apiError.code == 422)
        #expect(error?.apiError.reason == "Invalid")
        #expect(error?.apiError.message == "the server rejected our request due to an error in our request")
    }

    @Test func failedTestNamesThePath() {
        let error = #expect(throws: PatchError.self) {
            try JSONPatch.apply(patchJSON(#"[{"op":"test","path":"/metadata/resourceVersion","value":"1"}]"#),
                                to: patchJSON(#"{"metadata":{"resourceVersion":"2"}}"#))
        }
        #expect(error?.message == "testing value /metadata/resourceVersion failed: test failed")
    }

    @Test func aFailingOperationAbortsTheWholePatch() throws {
        let doc = patchJSON(#"{"a":1}"#)
        #expect(throws: PatchError.self) {
            try JSONPatch.apply(patchJSON(#"[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}]"#), to: doc)
        }
        #expect(doc == patchJSON(#"{"a":1}"#))
    }

    @Test func testComparesStructurallyNotTextually() throws {
        let doc = patchJSON(#"{"o":{"x":1,"y":[true,null]}}"#)
        #expect(try JSONPatch.apply(patchJSON(#"[{"op":"test","path":"/o","value":{"y":[true,null],"x":1}}]"#), to: doc) == doc)
        #expect(throws: PatchError.self) {
            try JSONPatch.apply(patchJSON(#"[{"op":"test","path":"/o","value":{"x":1}}]"#), to: doc)
        }
        #expect(throws: PatchError.self) {
            try JSONPatch.apply(patchJSON(#"[{"op":"test","path":"/o","value":{"x":1.5,"y":[true,null]}}]"#), to: doc)
        }
    }

    @Test(arguments: [
        (#"{"op":"add","path":"/a","value":1}"#, "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
        (#""x""#, "error decoding patch: json: cannot unmarshal string into Go value of type []handlers.jsonPatchOp"),
        (#"[1]"#, "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp"),
        (#"[{"op":"add","path":7}]"#, "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string"),
    ])
    func malformedPatchDocumentsAre400(_ patch: String, _ message: String) {
        let error = #expect(throws: PatchError.self) { try JSONPatch.apply(patchJSON(patch), to: patchJSON("{}")) }
        #expect(error?.status == .badRequest)
        #expect(error?.message == message)
        #expect(error?.apiError == APIError.badRequest(message))
    }

    @Test func nullPatchChangesNothing() throws {
        let doc = patchJSON(#"{"a":[1]}"#)
        #expect(try JSONPatch.apply(.null, to: doc) == doc)
        #expect(try JSONPatch.apply(patchJSON("[]"), to: doc) == doc)
    }

    @Test func moreThanTenThousandOperationsAre413() {
        let ops = JSON.array(Array(repeating: patchJSON(#"{"op":"test","path":"/a","value":1}"#), count: JSONPatch.maxOperations + 1))
        let error = #expect(throws: PatchError.self) { try JSONPatch.apply(ops, to: patchJSON(#"{"a":1}"#)) }
        #expect(error?.apiError.code == 413)
        #expect(error?.apiError.message == "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")
    }

    @Test func pointerParsingAndEscaping() {
        #expect(JSONPointer("")?.tokens == [])
        #expect(JSONPointer("/a~1b/~0c/")?.tokens == ["a/b", "~c", ""])
        #expect(JSONPointer("a") == nil)
        #expect(JSONPointer(tokens: ["a/b", "~"]).description == "/a~1b/~0")
        #expect(JSONPointer("/foo/0")?.value(in: patchJSON(#"{"foo":["x"]}"#)) == "x")
        #expect(JSONPointer("/foo/1")?.value(in: patchJSON(#"{"foo":["x"]}"#)) == nil)
    }
}
