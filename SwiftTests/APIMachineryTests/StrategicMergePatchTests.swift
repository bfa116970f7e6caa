import Testing

@testable import APIMachinery

/// A hand-built schema in `definitions.json`'s format (OpenAPI v3 form, `$ref` wrapped in `allOf` where upstream
/// puts a description beside it), carrying the v1.32 patch annotations of the Pod and Deployment fields the
/// tests touch. Used until the generated definitions land.
enum PatchSchemaFixture {
    static func ref(_ name: String, _ extra: [String: JSON] = [:]) -> JSON {
        var o: [String: JSON] = ["allOf": [["$ref": .string("#/components/schemas/\(name)")]], "default": [:]]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    static func list(of item: JSON, _ annotations: [String: JSON] = [:]) -> JSON {
        var o: [String: JSON] = ["type": "array", "items": item]
        for (k, v) in annotations { o[k] = v }
        return .object(o)
    }

    static func mergeList(_ def: String, key: String, strategy: String = "merge", mapKeys: [String]? = nil) -> JSON {
        list(of: ref(def), [
            "x-kubernetes-patch-merge-key": .string(key), "x-kubernetes-patch-strategy": .string(strategy),
            "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": .array((mapKeys ?? [key]).map { .string($0) }),
        ])
    }

    static let string: JSON = ["type": "string"]
    static let integer: JSON = ["type": "integer", "format": "int32"]
    static let stringMap: JSON = ["type": "object", "additionalProperties": ["type": "string", "default": ""]]
    static func object(_ props: [String: JSON], required: [String] = []) -> JSON {
        var o: [String: JSON] = ["type": "object", "properties": .object(props)]
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        return .object(o)
    }

    static let document: JSON = [
        "source": "test fixture",
        "definitions": [
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": object([
                "name": string, "namespace": string, "labels": stringMap, "annotations": stringMap,
                "finalizers": list(of: ["type": "string", "default": ""], [
                    "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set",
                ]),
                "ownerReferences": mergeList("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", key: "uid"),
            ]),
            "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": object(
                ["uid": string, "name": string, "kind": string, "apiVersion": string], required: ["uid", "name"]),
            "io.k8s.api.core.v1.Pod": object([
                "apiVersion": string, "kind": string,
                "metadata": ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                "spec": ref("io.k8s.api.core.v1.PodSpec"),
                "status": ref("io.k8s.api.core.v1.PodStatus"),
            ]),
            "io.k8s.api.core.v1.PodSpec": object([
                "containers": mergeList("io.k8s.api.core.v1.Container", key: "name"),
                "initContainers": mergeList("io.k8s.api.core.v1.Container", key: "name"),
                "volumes": mergeList("io.k8s.api.core.v1.Volume", key: "name", strategy: "merge,retainKeys"),
                "imagePullSecrets": mergeList("io.k8s.api.core.v1.LocalObjectReference", key: "name"),
                "tolerations": list(of: ref("io.k8s.api.core.v1.Toleration"), ["x-kubernetes-list-type": "atomic"]),
                "topologySpreadConstraints": mergeList(
                    "io.k8s.api.core.v1.TopologySpreadConstraint", key: "topologyKey",
                    mapKeys: ["topologyKey", "whenUnsatisfiable"]),
                "nodeSelector": stringMap,
                "restartPolicy": string,
            ], required: ["containers"]),
            "io.k8s.api.core.v1.Container": object([
                "name": string, "image": string,
                "args": list(of: string, ["x-kubernetes-list-type": "atomic"]),
                "command": list(of: string, ["x-kubernetes-list-type": "atomic"]),
                "ports": mergeList("io.k8s.api.core.v1.ContainerPort", key: "containerPort", mapKeys: ["containerPort", "protocol"]),
                "env": mergeList("io.k8s.api.core.v1.EnvVar", key: "name"),
                "volumeMounts": mergeList("io.k8s.api.core.v1.VolumeMount", key: "mountPath"),
                "resources": ref("io.k8s.api.core.v1.ResourceRequirements"),
            ], required: ["name"]),
            "io.k8s.api.core.v1.ContainerPort": object(["containerPort": integer, "protocol": string, "name": string]),
            "io.k8s.api.core.v1.EnvVar": object(["name": string, "value": string]),
            "io.k8s.api.core.v1.VolumeMount": object(["name": string, "mountPath": string]),
            "io.k8s.api.core.v1.ResourceRequirements": object(["limits": stringMap, "requests": stringMap]),
            "io.k8s.api.core.v1.Volume": object([
                "name": string, "emptyDir": object(["medium": string]),
                "configMap": object(["name": string]), "secret": object(["secretName": string]),
            ]),
            "io.k8s.api.core.v1.LocalObjectReference": object(["name": string]),
            "io.k8s.api.core.v1.Toleration": object(["key": string, "operator": string, "effect": string]),
            "io.k8s.api.core.v1.TopologySpreadConstraint": object([
                "topologyKey": string, "whenUnsatisfiable": string, "maxSkew": integer,
            ]),
            "io.k8s.api.core.v1.PodStatus": object([
                "phase": string, "conditions": mergeList("io.k8s.api.core.v1.PodCondition", key: "type"),
            ]),
            "io.k8s.api.core.v1.PodCondition": object(["type": string, "status": string]),
            "io.k8s.api.core.v1.PodTemplateSpec": object([
                "metadata": ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                "spec": ref("io.k8s.api.core.v1.PodSpec"),
            ]),
            "io.k8s.api.apps.v1.Deployment": object([
                "apiVersion": string, "kind": string,
                "metadata": ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                "spec": ref("io.k8s.api.apps.v1.DeploymentSpec"),
            ]),
            "io.k8s.api.apps.v1.DeploymentSpec": object([
                "replicas": integer,
                "template": ref("io.k8s.api.core.v1.PodTemplateSpec"),
                "strategy": ref("io.k8s.api.apps.v1.DeploymentStrategy", ["x-kubernetes-patch-strategy": "retainKeys"]),
            ]),
            "io.k8s.api.apps.v1.DeploymentStrategy": object([
                "type": string, "rollingUpdate": ref("io.k8s.api.apps.v1.RollingUpdateDeployment"),
            ]),
            "io.k8s.api.apps.v1.RollingUpdateDeployment": object([
                "maxSurge": ["x-kubernetes-int-or-string": true], "maxUnavailable": ["x-kubernetes-int-or-string": true],
            ]),
        ],
        "kinds": [
            ["group": "", "version": "v1", "kind": "Pod", "definition": "io.k8s.api.core.v1.Pod"],
            ["group": "apps", "version": "v1", "kind": "Deployment", "definition": "io.k8s.api.apps.v1.Deployment"],
        ],
    ]

    static let schema = Schema(document: document)
    static var pod: SchemaNode { schema.node(group: "", version: "v1", kind: "Pod")! }
    static var deployment: SchemaNode { schema.node(group: "apps", version: "v1", kind: "Deployment")! }
}

/// Applies a strategic merge patch written as JSON text.
func applySMP(_ patch: String, _ original: JSON, _ schema: SchemaNode? = PatchSchemaFixture.pod) throws(PatchError) -> JSON {
    try StrategicMergePatch.apply(patchJSON(patch), to: original, schema: schema)
}

/// The `name`s (or another key) of a list's elements, in order.
func elementNames(_ list: JSON?, _ key: String = "name") -> [String] {
    (list?.array ?? []).map { $0[key]?.string ?? $0[key].map(\.description) ?? "?" }
}

@Suite struct StrategicMergePatchTests {
    let pod = patchJSON(#"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","labels":{"app":"web","tier":"fe"},"annotations":{"a":"1"},"finalizers":["x/a","x/b"]},
         "spec":{"restartPolicy":"Always",
           "containers":[
             {"name":"nginx","image":"nginx:1.1","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],
              "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["-v","--debug"],
              "resources":{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m"}}},
             {"name":"sidecar","image":"envoy:1"}],
           "volumes":[{"name":"cfg","configMap":{"name":"cfg"}},{"name":"tmp","emptyDir":{}}],
           "tolerations":[{"key":"k1","operator":"Exists"},{"key":"k2","operator":"Exists"}]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}
        """#)

    @Test func kubectlClientSideApplyPatch() throws {
        let patch = #"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}"}},
             "spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.2","name":"nginx"}]}}
            """#
        let out = try applySMP(patch, pod)
        #expect(out["metadata"]?["annotations"] == patchJSON(#"{"a":"1","kubectl.kubernetes.io/last-applied-configuration":"{...}"}"#))
        #expect(elementNames(out["spec"]?["containers"]) == ["nginx", "sidecar"])
        let nginx = out["spec"]?["containers"]?[0]
        #expect(nginx?["image"] == "nginx:1.2")
        // Everything the patch does not mention survives the merge.
        #expect(nginx?["ports"] == pod["spec"]?["containers"]?[0]?["ports"])
        #expect(nginx?["env"] == pod["spec"]?["containers"]?[0]?["env"])
        #expect(out["spec"]?["containers"]?[1] == pod["spec"]?["containers"]?[1])
        #expect(out["status"] == pod["status"])
        #expect(out["spec"]?["setElementOrder"] == nil)
        #expect(out["spec"]?.object?.keys.contains { $0.hasPrefix("$") } == false)
    }

    @Test func nullDeletesKeysAndScalarsReplace() throws {
        let out = try applySMP(#"{"metadata":{"labels":{"tier":null,"env":"prod"},"annotations":null,"absent":null},"spec":{"restartPolicy":"Never"}}"#, pod)
        #expect(out["metadata"]?["labels"] == patchJSON(#"{"app":"web","env":"prod"}"#))
        #expect(out["metadata"]?["annotations"] == nil)
        #expect(out["metadata"]?.object?.keys.contains("absent") == false)
        #expect(out["spec"]?["restartPolicy"] == "Never")
    }

    @Test func containersMergeByNameAndNewOnesAreAdded() throws {
        let out = try applySMP(#"{"spec":{"containers":[{"name":"sidecar","image":"envoy:2"},{"name":"debug","image":"busybox"}]}}"#, pod)
        let containers = out["spec"]?["containers"]
        #expect(elementNames(containers) == ["nginx", "sidecar", "debug"])
        #expect(containers?[0] == pod["spec"]?["containers"]?[0])
        #expect(containers?[1] == patchJSON(#"{"name":"sidecar","image":"envoy:2"}"#))
        #expect(containers?[2] == patchJSON(#"{"name":"debug","image":"busybox"}"#))
    }

    @Test func nestedListsMergeByTheirOwnKeys() throws {
        let patch = #"""
            {"spec":{"containers":[{"name":"nginx",
              "ports":[{"containerPort":443,"name":"https"},{"containerPort":8080}],
              "env":[{"name":"B","value":"two"},{"name":"C","value":"3"}]}]}}
            """#
        let nginx = try applySMP(patch, pod)["spec"]?["containers"]?[0]
        #expect(nginx?["ports"] == patchJSON(#"[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP","name":"https"},{"containerPort":8080}]"#))
        #expect(nginx?["env"] == patchJSON(#"[{"name":"A","value":"1"},{"name":"B","value":"two"},{"name":"C","value":"3"}]"#))
        #expect(nginx?["image"] == "nginx:1.1")
    }

    @Test func deleteDirectiveRemovesElementsByMergeKey() throws {
        let patch = #"""
            {"spec":{"containers":[{"name":"sidecar","$patch":"delete"},
              {"name":"nginx","ports":[{"containerPort":80,"$patch":"delete"}],"env":[{"name":"nope","$patch":"delete"}]}]}}
            """#
        let out = try applySMP(patch, pod)
        #expect(elementNames(out["spec"]?["containers"]) == ["nginx"])
        #expect(out["spec"]?["containers"]?[0]?["ports"] == patchJSON(#"[{"containerPort":443,"protocol":"TCP"}]"#))
        #expect(out["spec"]?["containers"]?[0]?["env"] == pod["spec"]?["containers"]?[0]?["env"])
    }

    @Test func listReplaceDirectiveReplacesTheWholeList() throws {
        let out = try applySMP(#"{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x","env":[{"name":"n","value":null}]}]}}"#, pod)
        #expect(out["spec"]?["containers"] == patchJSON(#"[{"name":"only","image":"x","env":[{"name":"n"}]}]"#))
        let emptied = try applySMP(#"{"status":{"conditions":[{"$patch":"replace"}]}}"#, pod)
        #expect(emptied["status"]?["conditions"] == patchJSON("[]"))
    }

    @Test func mapReplaceAndDeleteDirectives() throws {
        let replaced = try applySMP(#"{"metadata":{"labels":{"$patch":"replace","only":"this","gone":null}}}"#, pod)
        #expect(replaced["metadata"]?["labels"] == patchJSON(#"{"only":"this"}"#))
        let deleted = try applySMP(#"{"metadata":{"labels":{"$patch":"delete"}}}"#, pod)
        #expect(deleted["metadata"]?["labels"] == patchJSON("{}"))
        let element = try applySMP(#"{"spec":{"containers":[{"name":"nginx","resources":{"$patch":"replace","limits":{"cpu":"1"}}}]}}"#, pod)
        #expect(element["spec"]?["containers"]?[0]?["resources"] == patchJSON(#"{"limits":{"cpu":"1"}}"#))
        // Where the original has no such map there is nothing to replace: upstream drops the directive map.
        let absent = try applySMP(#"{"spec":{"containers":[{"name":"sidecar","resources":{"$patch":"replace","limits":{"cpu":"1"}}}]}}"#, pod)
        #expect(absent["spec"]?["containers"]?[1] == pod["spec"]?["containers"]?[1])
    }

    @Test func mergeDirectiveIsRefusedAsUpstreamDoes() {
        let onMap = #expect(throws: PatchError.self) { try applySMP(#"{"metadata":{"labels":{"$patch":"merge","a":"b"}}}"#, pod) }
        #expect(onMap?.status == .plainError)
        #expect(onMap?.message == "unknown patch type: merge in map: map[$patch:merge a:b]")
        let onElement = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"containers":[{"name":"nginx","$patch":"merge"}]}}"#, pod) }
        #expect(onElement?.message == "merging lists cannot yet be specified in the patch")
    }

    @Test func unknownPatchDirectiveValuesAreErrors() {
        let onMap = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"$patch":"frob"}}"#, pod) }
        #expect(onMap?.message.hasPrefix("unknown patch type: frob in map: map[$patch:frob]") == true)
        // Upstream answers its plain Go errors 500 with an empty reason; the mistake is the client's, so 400.
        #expect(onMap?.apiError.code == 400)
        #expect(onMap?.apiError.reason == "BadRequest")
        let onElement = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"containers":[{"name":"nginx","$patch":7}]}}"#, pod) }
        #expect(onElement?.message == "unknown patch type: %!s(int64=7) in map: map[$patch:7 name:nginx]")
    }

    @Test func mergeKeyListElementWithoutItsKeyIsAnError() {
        let error = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"containers":[{"image":"nginx:2"}]}}"#, pod) }
        #expect(error?.message == "map: map[image:nginx:2] does not contain declared merge key: name")
        #expect(error?.apiError.code == 400)
        let deleting = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"containers":[{"$patch":"delete"}]}}"#, pod) }
        #expect(deleting?.message == "map: map[$patch:delete] does not contain declared merge key: name")
    }

    @Test func nonObjectPatchesAre400AndNullIsANoOp() throws {
        for patch in [#"[{"a":1}]"#, #""s""#, "1"] {
            let error = #expect(throws: PatchError.self) { try applySMP(patch, pod) }
            #expect(error?.apiError.code == 400)
            #expect(error?.message.hasPrefix("json: cannot unmarshal") == true)
        }
        #expect(try applySMP("null", pod) == pod)
        #expect(try applySMP("{}", pod) == pod)
    }

    @Test func originalIsUntouched() throws {
        let before = pod
        _ = try applySMP(#"{"metadata":{"labels":null},"spec":{"containers":[{"name":"nginx","$patch":"delete"}]}}"#, pod)
        #expect(pod == before)
        #expect(elementNames(pod["spec"]?["containers"]) == ["nginx", "sidecar"])
    }

    @Test func listsWithoutMergeStrategyAreReplaced() throws {
        let out = try applySMP(#"{"spec":{"tolerations":[{"key":"k3","operator":"Exists"}],"containers":[{"name":"nginx","args":["--quiet"]}]}}"#, pod)
        #expect(out["spec"]?["tolerations"] == patchJSON(#"[{"key":"k3","operator":"Exists"}]"#))
        #expect(out["spec"]?["containers"]?[0]?["args"] == patchJSON(#"["--quiet"]"#))
    }

    @Test func withoutSchemaListsAreReplacedAndMapsMerged() throws {
        let out = try applySMP(#"{"metadata":{"labels":{"x":"y"}},"spec":{"containers":[{"name":"sidecar","image":"envoy:2"}]}}"#, pod, nil)
        #expect(out["spec"]?["containers"] == patchJSON(#"[{"name":"sidecar","image":"envoy:2"}]"#))
        #expect(out["metadata"]?["labels"] == patchJSON(#"{"app":"web","tier":"fe","x":"y"}"#))
        #expect(out["spec"]?["volumes"] == pod["spec"]?["volumes"])
    }

    @Test func unknownFieldsInAKnownKindBehaveAsSchemaless() throws {
        let original = patchJSON(#"{"spec":{"extra":[{"name":"a","v":1}],"containers":[]}}"#)
        let out = try applySMP(#"{"spec":{"extra":[{"name":"b"}]}}"#, original)
        #expect(out["spec"]?["extra"] == patchJSON(#"[{"name":"b"}]"#))
    }

    @Test func typeChangesReplace() throws {
        let out = try applySMP(#"{"metadata":{"labels":"oops"},"spec":{"tolerations":{"k":"v"}}}"#, pod)
        #expect(out["metadata"]?["labels"] == "oops")
        #expect(out["spec"]?["tolerations"] == patchJSON(#"{"k":"v"}"#))
    }

    @Test func newValuesLoseNullsAndDirectives() throws {
        let original = patchJSON(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}"#)
        let out = try applySMP(#"""
            {"metadata":{"labels":{"a":"b","c":null}},
             "spec":{"volumes":[{"name":"v","emptyDir":{"$patch":"delete"},"secret":null}],
                     "containers":[{"name":"b","env":[{"name":"X","value":null}],"$setElementOrder/env":[{"name":"X"}]}]}}
            """#, original)
        #expect(out["metadata"]?["labels"] == patchJSON(#"{"a":"b"}"#))
        // A map carrying `$patch` inside a brand-new value is dropped (upstream's removeDirectives).
        #expect(out["spec"]?["volumes"] == patchJSON(#"[{"name":"v"}]"#))
        // A new merge-list element is stored without its nulls and directive keys, ahead of the original ones.
        #expect(out["spec"]?["containers"] == patchJSON(#"[{"name":"b","env":[{"name":"X"}]},{"name":"a"}]"#))
    }

    @Test func retainKeysClearsFieldsNotListed() throws {
        let deployment = patchJSON(#"""
            {"spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}
            """#)
        let out = try applySMP(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#, deployment, PatchSchemaFixture.deployment)
        #expect(out == patchJSON(#"{"spec":{"replicas":2,"strategy":{"type":"Recreate"}}}"#))

        let volume = try applySMP(#"{"spec":{"volumes":[{"name":"cfg","$retainKeys":["name","secret"],"secret":{"secretName":"s"}}]}}"#, pod)
        #expect(volume["spec"]?["volumes"] == patchJSON(#"[{"name":"cfg","secret":{"secretName":"s"}},{"name":"tmp","emptyDir":{}}]"#))
    }

    @Test func retainKeysMustListEveryPatchedKeyAndBeAList() {
        let unlisted = #expect(throws: PatchError.self) {
            try applySMP(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":{}}}}"#,
                    patchJSON(#"{"spec":{"strategy":{}}}"#), PatchSchemaFixture.deployment)
        }
        #expect(unlisted?.apiError == APIError.badRequest("invalid patch format of retainKeys"))
        let notAList = #expect(throws: PatchError.self) {
            try applySMP(#"{"spec":{"strategy":{"$retainKeys":"type"}}}"#, patchJSON(#"{"spec":{"strategy":{}}}"#), PatchSchemaFixture.deployment)
        }
        #expect(notAList?.status == .badRequest)
        // Nulls and parallel lists need not be listed.
        #expect(throws: Never.self) {
            try applySMP(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}"#,
                    patchJSON(#"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{}}}}"#), PatchSchemaFixture.deployment)
        }
    }

    @Test func deploymentTemplateMergesThroughNestedReferences() throws {
        let deployment = patchJSON(#"""
            {"metadata":{"name":"d"},"spec":{"replicas":1,"template":{"metadata":{"labels":{"app":"d"}},
              "spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"}]}]}}}}
            """#)
        let out = try applySMP(#"""
            {"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"app:2","env":[{"name":"B","value":"2"}]}]}}}}
            """#, deployment, PatchSchemaFixture.deployment)
        #expect(out["spec"]?["replicas"] == 3)
        // The new variable goes first: upstream puts patch elements the original lacks before original-only ones.
        #expect(out["spec"]?["template"]?["spec"]?["containers"] == patchJSON(#"[{"name":"app","image":"app:2","env":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]"#))
        #expect(out["spec"]?["template"]?["metadata"] == patchJSON(#"{"labels":{"app":"d"}}"#))
    }

    @Test func statusConditionsMergeByType() throws {
        let out = try applySMP(#"{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}]}}"#, pod)
        // Patch elements keep patch order; the original-only condition follows the new one, as upstream orders it.
        #expect(out["status"]?["conditions"] == patchJSON(#"[{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"},{"type":"Initialized","status":"True"}]"#))
    }

    @Test func finalizersMergeAsASetAndDeleteFromPrimitiveList() throws {
        let union = try applySMP(#"{"metadata":{"finalizers":["x/c","x/a"]}}"#, pod)
        #expect(union["metadata"]?["finalizers"] == patchJSON(#"["x/c","x/a","x/b"]"#))
        let removed = try applySMP(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["x/a","x/zzz"]}}"#, pod)
        #expect(removed["metadata"]?["finalizers"] == patchJSON(#"["x/b"]"#))
        let both = try applySMP(#"{"metadata":{"finalizers":["x/c"],"$deleteFromPrimitiveList/finalizers":["x/b"]}}"#, pod)
        #expect(both["metadata"]?["finalizers"] == patchJSON(#"["x/c","x/a"]"#))
        let absent = try applySMP(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["x/a"]}}"#, patchJSON(#"{"metadata":{"name":"n"}}"#))
        #expect(absent == patchJSON(#"{"metadata":{"name":"n"}}"#))
    }

    @Test func malformedParallelListKeysAre400() {
        for patch in [
            #"{"metadata":{"$deleteFromPrimitiveListfinalizers":["x/a"]}}"#,
            #"{"metadata":{"$deleteFromPrimitiveList":["x/a"]}}"#,
        ] {
            let error = #expect(throws: PatchError.self) { try applySMP(patch, pod) }
            #expect(error?.apiError == APIError.badRequest("invalid patch format of primitive list"))
        }
        let order = #expect(throws: PatchError.self) { try applySMP(#"{"spec":{"$setElementOrderX/containers":[]}}"#, pod) }
        #expect(order?.apiError == APIError.badRequest("invalid patch format of setElementOrder list"))
    }

    @Test func listsOfListsAre422AndMixedElementTypesAre400() {
        let nested = #expect(throws: PatchError.self) {
            try applySMP(#"{"metadata":{"finalizers":[["a"]]}}"#, patchJSON(#"{"metadata":{"finalizers":[]}}"#))
        }
        #expect(nested?.apiError.code == 422)
        #expect(nested?.message == "lists of lists are not supported")
        let mixed = #expect(throws: PatchError.self) { try applySMP(#"{"metadata":{"finalizers":[1]}}"#, pod) }
        #expect(mixed?.apiError.code == 400)
        #expect(mixed?.message == "list element types are not identical: [[x/a x/b] [1]]")
    }
}
