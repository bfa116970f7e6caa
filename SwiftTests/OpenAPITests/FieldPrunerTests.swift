import APIMachinery
import OpenAPI
import Testing

@Suite struct FieldPrunerTests {
    @Test func dropsExactlyTheUnknownFields() throws {
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "p", "labels": ["any-key": "kept"], "bogus": 1],
            "spec": ["containers": [["name": "c", "image": "i", "imagee": "typo",
                                     "resources": ["limits": ["cpu": "1"]], "ports": [["containerPort": 80, "x": 1]]]]],
        ]
        let pruned = FieldPruner().pruned(pod, group: "", version: "v1", kind: "Pod")
        #expect(pruned[path: ["metadata", "bogus"]] == nil)
        #expect(pruned[path: ["metadata", "labels", "any-key"]]?.string == "kept")
        let c = pruned[path: ["spec", "containers"]]?[0]
        #expect(c?["imagee"] == nil && c?["image"]?.string == "i")
        #expect(c?["resources"]?["limits"]?["cpu"]?.string == "1")
        #expect(c?["ports"]?[0]?["x"] == nil && c?["ports"]?[0]?["containerPort"]?.int == 80)
        // What the validator calls unknown is exactly what the pruner removed.
        #expect(FieldValidator().unknownFields(in: pruned, group: "", version: "v1", kind: "Pod").isEmpty)
        #expect(FieldValidator().unknownFields(in: pod, group: "", version: "v1", kind: "Pod").count == 3)
    }
}
