import Testing

@testable import APIMachinery

@Suite struct MergePatchTests {
    /// RFC 7386 Appendix A, every row: (original, patch, result).
    static let appendixA: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test(arguments: appendixA)
    func rfc7386AppendixA(_ original: String, _ patch: String, _ result: String) {
        #expect(MergePatch.merge(patchJSON(patch), into: patchJSON(original)) == patchJSON(result))
    }

    @Test func objectsMergeRecursivelyAndArraysReplace() throws {
        let pod = patchJSON(#"{"metadata":{"name":"p","labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}}"#)
        let out = try MergePatch.apply(
            patchJSON(#"{"metadata":{"labels":{"tier":null,"env":"prod"}},"spec":{"containers":[{"name":"a","image":"y"}]}}"#), to: pod)
        #expect(out == patchJSON(#"{"metadata":{"name":"p","labels":{"app":"web","env":"prod"}},"spec":{"containers":[{"name":"a","image":"y"}]}}"#))
    }

    @Test func nullForAnAbsentMemberIsANoOpAndNewSubtreesLoseTheirNulls() throws {
        let out = try MergePatch.apply(patchJSON(#"{"gone":null,"spec":{"x":{"keep":1,"drop":null}}}"#), to: patchJSON(#"{"a":1}"#))
        #expect(out == patchJSON(#"{"a":1,"spec":{"x":{"keep":1}}}"#))
    }

    @Test func nullsInsideReplacingArraysArePrunedFromTheirObjects() throws {
        // evanphx/json-patch prunes nulls from objects inside an array that replaces a non-object value.
        let out = try MergePatch.apply(patchJSON(#"{"a":[{"k":1,"n":null},null]}"#), to: patchJSON(#"{"a":[]}"#))
        #expect(out == patchJSON(#"{"a":[{"k":1},null]}"#))
    }

    @Test func originalIsNotChanged() throws {
        let original = patchJSON(#"{"a":{"b":1}}"#)
        _ = try MergePatch.apply(patchJSON(#"{"a":{"b":null,"c":2}}"#), to: original)
        #expect(original == patchJSON(#"{"a":{"b":1}}"#))
    }

    @Test(arguments: [
        (#"[{"a":1}]"#, "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"),
        (#""x""#, "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}"),
        (#"3"#, "error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}"),
        (#"null"#, "Invalid JSON Patch"),
    ])
    func serverRefusesNonObjectPatchesWith400(_ patch: String, _ message: String) {
        let error = #expect(throws: PatchError.self) { try MergePatch.apply(patchJSON(patch), to: patchJSON(#"{"a":1}"#)) }
        #expect(error?.apiError.code == 400)
        #expect(error?.apiError.reason == "BadRequest")
        #expect(error?.message == message)
    }
}
