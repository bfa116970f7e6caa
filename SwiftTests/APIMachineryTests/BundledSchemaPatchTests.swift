import Testing

@testable import APIMachinery

/// Strategic merge patch driven by the bundled v1.32 definitions (`Schema.shared`), as the API server uses it.
@Suite struct BundledSchemaPatchTests {
    var pod: SchemaNode? { Schema.shared.node(group: "", version: "v1", kind: "Pod") }
    var deployment: SchemaNode? { Schema.shared.node(group: "apps", version: "v1", kind: "Deployment") }

    @Test func bundledSchemaCarriesThePatchAnnotations() throws {
        let spec = try #require(pod?.property("spec"))
        let containers = try #require(spec.property("containers"))
        #expect(containers.patchStrategies == ["merge"])
        #expect(containers.patchMergeKey == "name")
        #expect(containers.items?.property("ports")?.patchMergeKey == "containerPort")
        #expect(spec.property("volumes")?.patchStrategies == ["merge", "retainKeys"])
        #expect(spec.property("tolerations")?.patchStrategies == [])
        #expect(deployment?.property("spec")?.property("strategy")?.patchStrategies == ["retainKeys"])
    }

    @Test func kubectlApplyPatchOnAPod() throws {
        let live = patchJSON(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","finalizers":["a/b"],
              "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old"}},
             "spec":{"containers":[
                {"name":"nginx","image":"nginx:1.1","ports":[{"containerPort":80,"protocol":"TCP"}],
                 "env":[{"name":"A","value":"1"}],"volumeMounts":[{"name":"data","mountPath":"/data"}]},
                {"name":"istio-proxy","image":"proxy:1"}],
              "volumes":[{"name":"data","emptyDir":{}}],
              "tolerations":[{"key":"a","operator":"Exists"}]},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}
            """#)
        let patch = patchJSON(#"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},
             "spec":{"$setElementOrder/containers":[{"name":"nginx"}],
               "containers":[{"name":"nginx","image":"nginx:1.2",
                 "$setElementOrder/ports":[{"containerPort":80},{"containerPort":443}],"ports":[{"containerPort":443,"protocol":"TCP"}],
                 "env":[{"name":"A","$patch":"delete"}]}],
               "$setElementOrder/volumes":[{"name":"data"}],
               "volumes":[{"name":"data","$retainKeys":["configMap","name"],"configMap":{"name":"cfg"},"emptyDir":null}],
               "tolerations":[{"key":"b","operator":"Exists"}]}}
            """#)
        let out = try StrategicMergePatch.apply(patch, to: live, schema: pod)
        let containers = out["spec"]?["containers"]
        // The sidecar the manifest never mentioned stays, after the applied container.
        #expect(elementNames(containers) == ["nginx", "istio-proxy"])
        #expect(containers?[0]?["image"] == "nginx:1.2")
        #expect(containers?[0]?["ports"] == patchJSON(#"[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]"#))
        #expect(containers?[0]?["env"] == patchJSON("[]"))
        #expect(containers?[0]?["volumeMounts"] == live["spec"]?["containers"]?[0]?["volumeMounts"])
        #expect(out["spec"]?["volumes"] == patchJSON(#"[{"name":"data","configMap":{"name":"cfg"}}]"#))
        #expect(out["spec"]?["tolerations"] == patchJSON(#"[{"key":"b","operator":"Exists"}]"#))
        #expect(out["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] == "new")
        #expect(out["metadata"]?["finalizers"] == live["metadata"]?["finalizers"])
        #expect(out["status"] == live["status"])
    }

    @Test func deploymentStrategySwitchAndTemplateMerge() throws {
        let live = patchJSON(#"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
             "spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
               "template":{"metadata":{"labels":{"app":"d"}},
                 "spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"}]}]}}}}
            """#)
        let patch = patchJSON(#"""
            {"spec":{"replicas":3,"strategy":{"$retainKeys":["type"],"type":"Recreate"},
               "template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"2"}]},{"name":"log","image":"log:1"}]}}}}
            """#)
        let out = try StrategicMergePatch.apply(patch, to: live, schema: deployment)
        #expect(out["spec"]?["replicas"] == 3)
        #expect(out["spec"]?["strategy"] == patchJSON(#"{"type":"Recreate"}"#))
        #expect(out["spec"]?["template"]?["spec"]?["containers"] == patchJSON(
            #"[{"name":"app","image":"app:1","env":[{"name":"A","value":"2"}]},{"name":"log","image":"log:1"}]"#))
        #expect(out["spec"]?["template"]?["metadata"] == live["spec"]?["template"]?["metadata"])
    }
}
