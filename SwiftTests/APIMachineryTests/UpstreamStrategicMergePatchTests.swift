import Testing

@testable import APIMachinery

/// Expected results taken from upstream's own strategic-merge-patch test table
/// (k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go): each case applies its three-way patch to its
/// "current" object and must give its "result". The schema reproduces the `MergeItem` test struct.
enum MergeItemSchema {
    static let schema = Schema(document: [
        "definitions": [
            "test.MergeItem": [
                "type": "object",
                "properties": [
                    "name": ["type": "string"], "value": ["type": "string"], "other": ["type": "string"],
                    "mergingList": [
                        "type": "array", "items": ["$ref": "#/components/schemas/test.MergeItem"],
                        "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name",
                    ],
                    "nonMergingList": ["type": "array", "items": ["$ref": "#/components/schemas/test.MergeItem"]],
                    "mergingIntList": ["type": "array", "items": ["type": "integer"], "x-kubernetes-patch-strategy": "merge"],
                    "nonMergingIntList": ["type": "array", "items": ["type": "integer"]],
                    "simpleMap": ["type": "object", "additionalProperties": ["type": "string"]],
                    "retainKeysMap": [
                        "allOf": [["$ref": "#/components/schemas/test.RetainKeysMergeItem"]],
                        "x-kubernetes-patch-strategy": "retainKeys",
                    ],
                    "retainKeysMergingList": [
                        "type": "array", "items": ["$ref": "#/components/schemas/test.MergeItem"],
                        "x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name",
                    ],
                ],
            ],
            "test.RetainKeysMergeItem": [
                "type": "object",
                "properties": [
                    "name": ["type": "string"], "value": ["type": "string"], "other": ["type": "string"],
                    "simpleMap": ["type": "object", "additionalProperties": ["type": "string"]],
                    "mergingIntList": ["type": "array", "items": ["type": "integer"], "x-kubernetes-patch-strategy": "merge"],
                    "mergingList": [
                        "type": "array", "items": ["$ref": "#/components/schemas/test.MergeItem"],
                        "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name",
                    ],
                ],
            ],
        ],
    ])
    static var root: SchemaNode { schema.node(definition: "test.MergeItem")! }
}

struct UpstreamSMPCase: Sendable, CustomTestStringConvertible {
    let name: String
    let current: String
    let patch: String
    let result: String
    var testDescription: String { name }
}

@Suite struct UpstreamStrategicMergePatchTests {
    static let cases: [UpstreamSMPCase] = [
        .init(name: "nested patch merge with empty list",
              current: #"{"name":"hi","mergingList":[{"name":"hello2"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":"hello"},{"name":"doesntexist"}],"mergingList":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}"#,
              result: #"{"name":"hi","mergingList":[{"name":"hello"},{"name":"hello2"}]}"#),
        .init(name: "delete items in lists of scalars",
              current: #"{"mergingIntList":[1,2,3,4]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
              result: #"{"mergingIntList":[1,2,4]}"#),
        .init(name: "delete all duplicate items in lists of scalars",
              current: #"{"mergingIntList":[1,2,3,3,4]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[1,2],"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
              result: #"{"mergingIntList":[1,2,4]}"#),
        .init(name: "add and delete items in lists of scalars",
              current: #"{"mergingIntList":[1,2,3,4]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[1,2,4],"$deleteFromPrimitiveList/mergingIntList":[3],"mergingIntList":[4]}"#,
              result: #"{"mergingIntList":[1,2,4]}"#),
        .init(name: "merge lists of maps",
              current: #"{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":4},{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}"#,
              result: #"{"mergingList":[{"name":4,"value":4},{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}"#),
        .init(name: "add field to map in merging list with conflict",
              current: #"{"mergingList":[{"name":1,"other":"a"},{"name":3,"value":2,"other":"b"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":1},{"name":2,"value":2}]}"#,
              result: #"{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2},{"name":3,"value":2,"other":"b"}]}"#),
        .init(name: "delete map from merging list",
              current: #"{"mergingList":[{"name":1},{"name":2,"other":"b"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":1,"$patch":"delete"}]}"#,
              result: #"{"mergingList":[{"name":2,"other":"b"}]}"#),
        .init(name: "delete missing map from merging list with conflict",
              current: #"{"mergingList":[{"name":3,"other":"a"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2}],"mergingList":[{"name":2},{"name":1,"$patch":"delete"}]}"#,
              result: #"{"mergingList":[{"name":2},{"name":3,"other":"a"}]}"#),
        .init(name: "add map and delete map from merging list",
              current: #"{"mergingList":[{"name":1},{"name":2,"other":"b"},{"name":4,"other":"c"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":3},{"name":1,"$patch":"delete"}]}"#,
              result: #"{"mergingList":[{"name":2,"other":"b"},{"name":4,"other":"c"},{"name":3}]}"#),
        .init(name: "add map and delete map from merging list with conflict",
              current: #"{"mergingList":[{"name":1,"other":"a"},{"name":4,"other":"c"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2},{"name":3}],"mergingList":[{"name":2},{"name":3},{"name":1,"$patch":"delete"}]}"#,
              result: #"{"mergingList":[{"name":4,"other":"c"},{"name":2},{"name":3}]}"#),
        .init(name: "delete field from map in merging list",
              current: #"{"mergingList":[{"name":1,"value":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"value":null}]}"#,
              result: #"{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}"#),
        .init(name: "replace non merging list nested in merging list",
              current: #"{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1},{"name":2,"value":2}]},{"name":2,"other":"b"}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":1},{"name":2}],"mergingList":[{"name":1,"nonMergingList":[{"name":1,"value":1}]}]}"#,
              result: #"{"mergingList":[{"name":1,"other":"a","nonMergingList":[{"name":1,"value":1}]},{"name":2,"other":"b"}]}"#),
        .init(name: "set elements order in a list with server-only items 2",
              current: #"{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":9},{"name":3,"value":3},{"name":4,"value":4}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}"#,
              result: #"{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":9},{"name":4,"value":4},{"name":3,"value":3}]}"#),
        .init(name: "set elements order in a list with server-only items 3",
              current: #"{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":7},{"name":9},{"name":8},{"name":3,"value":3},{"name":4,"value":4}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}"#,
              result: #"{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":7},{"name":9},{"name":8},{"name":4,"value":4},{"name":3,"value":3}]}"#),
        .init(name: "add an item in a int list and preserve order",
              current: #"{"mergingIntList":[1,2]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}"#,
              result: #"{"mergingIntList":[3,1,2]}"#),
        .init(name: "add multiple items in a int list and preserve order",
              current: #"{"mergingIntList":[1,2]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[1,4,2,3],"mergingIntList":[4,3]}"#,
              result: #"{"mergingIntList":[1,4,2,3]}"#),
        .init(name: "delete an item in a int list and preserve order",
              current: #"{"mergingIntList":[1,2,3]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
              result: #"{"mergingIntList":[2,1]}"#),
        .init(name: "set elements order in a int list with server-only items 2",
              current: #"{"mergingIntList":[1,2,9,3,4]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[2,1,4,3]}"#,
              result: #"{"mergingIntList":[2,1,9,4,3]}"#),
        .init(name: "behavior of set element order for a merging list with duplicate",
              current: #"{"mergingList":[{"name":1},{"name":2,"value":"dup1"},{"name":3},{"name":2,"value":"dup2"},{"name":4}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3},{"name":2}]}"#,
              result: #"{"mergingList":[{"name":2,"value":"dup1"},{"name":2,"value":"dup2"},{"name":1},{"name":4},{"name":3}]}"#),
        .init(name: "behavior of set element order for a merging int list with duplicate",
              current: #"{"mergingIntList":[1,2,3,2,4]}"#,
              patch: #"{"$setElementOrder/mergingIntList":[2,1,4,3,2]}"#,
              result: #"{"mergingIntList":[2,2,1,4,3]}"#),
        .init(name: "retainKeys map should clear defaulted field",
              current: #"{"retainKeysMap":{"value":"foo"}}"#,
              patch: #"{"retainKeysMap":{"$retainKeys":["other"],"other":"bar"}}"#,
              result: #"{"retainKeysMap":{"other":"bar"}}"#),
        .init(name: "retainKeys map deletes a field and clears a field",
              current: #"{"retainKeysMap":{"name":"foo","value":"bar","other":"a"}}"#,
              patch: #"{"retainKeysMap":{"$retainKeys":["name"],"value":null}}"#,
              result: #"{"retainKeysMap":{"name":"foo"}}"#),
        .init(name: "retainKeys map adds a field in a nested map",
              current: #"{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key3":"c"}}}"#,
              patch: #"{"retainKeysMap":{"$retainKeys":["name","simpleMap","value"],"simpleMap":{"key2":"b"}}}"#,
              result: #"{"retainKeysMap":{"name":"foo","value":"bar","simpleMap":{"key1":"a","key2":"b","key3":"c"}}}"#),
        // TestCustomStrategicMergePatch (two-way patches applied to the original).
        .init(name: "unique scalars when merging lists",
              current: #"{"mergingIntList":[1,2]}"#, patch: #"{"mergingIntList":[2,3]}"#,
              result: #"{"mergingIntList":[1,2,3]}"#),
        .init(name: "delete map from nested map",
              current: #"{"simpleMap":{"key1":1,"key2":1}}"#, patch: #"{"simpleMap":{"$patch":"delete"}}"#,
              result: #"{"simpleMap":{}}"#),
        .init(name: "delete all items from merging list",
              current: #"{"mergingList":[{"name":1},{"name":2}]}"#, patch: #"{"mergingList":[{"$patch":"replace"}]}"#,
              result: #"{"mergingList":[]}"#),
        .init(name: "merge empty merging lists",
              current: #"{"mergingList":[]}"#, patch: #"{"mergingList":[]}"#, result: #"{"mergingList":[]}"#),
        .init(name: "delete all keys from map",
              current: #"{"name":1,"value":1}"#, patch: #"{"$patch":"replace"}"#, result: "{}"),
        .init(name: "add key and delete all keys from map",
              current: #"{"name":1,"value":1}"#, patch: #"{"other":"a","$patch":"replace"}"#, result: #"{"other":"a"}"#),
        .init(name: "delete all duplicate entries in a merging list",
              current: #"{"mergingList":[{"name":1},{"name":1},{"name":2,"value":"a"},{"name":3},{"name":3}]}"#,
              patch: #"{"mergingList":[{"name":1,"$patch":"delete"},{"name":3,"$patch":"delete"}]}"#,
              result: #"{"mergingList":[{"name":2,"value":"a"}]}"#),
        .init(name: "retainKeys list can delete a field when no retainKeys directive present",
              current: #"{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}"#,
              patch: #"{"retainKeysMergingList":[{"name":"foo","value":null}]}"#,
              result: #"{"retainKeysMergingList":[{"name":"bar"},{"name":"foo"}]}"#),
        .init(name: "preserve the order from the patch in a merging list",
              current: #"{"mergingList":[{"name":1},{"name":2,"value":"b"},{"name":3}]}"#,
              patch: #"{"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"},{"name":2,"other":"x"}]}"#,
              result: #"{"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"},{"name":2,"value":"b","other":"x"}]}"#),
        .init(name: "preserve the order from the patch in a merging list 2",
              current: #"{"mergingList":[{"name":1},{"name":2,"value":"b"},{"name":3}]}"#,
              patch: #"{"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"}]}"#,
              result: #"{"mergingList":[{"name":2,"value":"b"},{"name":3,"value":"c"},{"name":1,"value":"a"}]}"#),
        .init(name: "preserve the order from the patch in a merging int list",
              current: #"{"mergingIntList":[1,2,3]}"#, patch: #"{"mergingIntList":[3,1]}"#,
              result: #"{"mergingIntList":[2,3,1]}"#),
        .init(name: "$setElementOrder contains item that is not present in the list to be merged",
              current: #"{"mergingList":[{"name":1},{"name":3}]}"#,
              patch: #"{"$setElementOrder/mergingList":[{"name":3},{"name":2},{"name":1}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}"#,
              result: #"{"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}"#),
        .init(name: "$setElementOrder contains item that is not present in the int list to be merged",
              current: #"{"mergingIntList":[1,3]}"#, patch: #"{"$setElementOrder/mergingIntList":[3,2,1]}"#,
              result: #"{"mergingIntList":[3,1]}"#),
        .init(name: "$deleteFromPrimitiveList of nonexistent item should not add it",
              current: #"{"mergingIntList":[1,2]}"#, patch: #"{"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
              result: #"{"mergingIntList":[1,2]}"#),
        .init(name: "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list",
              current: #"{"foo":["bar"]}"#, patch: #"{"$deleteFromPrimitiveList/mergingIntList":[3]}"#,
              result: #"{"foo":["bar"]}"#),
        .init(name: "$deleteFromPrimitiveList should delete item from a list without merge patch strategy",
              current: #"{"nonMergingIntList":[1,2,3]}"#, patch: #"{"$deleteFromPrimitiveList/nonMergingIntList":[2]}"#,
              result: #"{"nonMergingIntList":[1,3]}"#),
    ]

    @Test(arguments: cases)
    func upstreamResult(_ c: UpstreamSMPCase) throws {
        let out = try StrategicMergePatch.apply(patchJSON(c.patch), to: patchJSON(c.current), schema: MergeItemSchema.root)
        #expect(out == patchJSON(c.result))
    }

    @Test func setElementOrderThatContradictsThePatchListIsRefused() {
        for (current, patch) in [
            (#"{"mergingList":[{"name":1},{"name":3},{"name":2}]}"#,
             #"{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}"#),
            (#"{"mergingIntList":[1,3,2]}"#, #"{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3,1]}"#),
        ] {
            let error = #expect(throws: PatchError.self) {
                try StrategicMergePatch.apply(patchJSON(patch), to: patchJSON(current), schema: MergeItemSchema.root)
            }
            #expect(error?.message.contains("doesn't match $setElementOrder list") == true)
            #expect(error?.apiError.code == 400)
        }
    }

    @Test func missingMergeKeyErrorsOut() {
        let error = #expect(throws: PatchError.self) {
            try StrategicMergePatch.apply(patchJSON(#"{"mergingList":[{"value":"b"}]}"#), to: patchJSON(#"{"mergingList":[{"name":1,"value":"a"}]}"#),
                                          schema: MergeItemSchema.root)
        }
        #expect(error?.message == "map: map[value:b] does not contain declared merge key: name")
    }
}
