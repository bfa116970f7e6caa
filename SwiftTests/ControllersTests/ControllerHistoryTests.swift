import APIMachinery
import Foundation
import Testing

@testable import Controllers

@Suite struct ControllerHistoryTests {
    let set: JSON = [
        "metadata": ["name": "web", "namespace": "t", "uid": "set-uid"],
        "spec": ["template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]]],
    ]

    func revision(_ owner: JSON, _ number: Int64, collisionCount: Int64? = nil) -> JSON {
        ControllerHistory.newRevision(parent: owner, kind: "StatefulSet", apiVersion: "apps/v1", templateLabels: ["app": "web"],
                                      data: TemplatePatch.of(owner), revision: number, collisionCount: collisionCount)
    }

    @Test func revisionIsNamedAndLabelledByTheHashOfItsData() throws {
        let r = revision(set, 1)
        let hash = try #require(r.labels[ControllerHistory.hashLabel])
        #expect(r.name == "web-\(hash)")
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(r.labels["app"] == "web")
        #expect(r["revision"] == 1)
        #expect(r.controllerRef?.kind == "StatefulSet" && r.controllerRef?.uid == "set-uid")
        #expect(r[path: ["data", "spec", "template", "$patch"]] == "replace")
        // The same data hashes the same whatever the revision number; another template or a collision count does not.
        #expect(revision(set, 7).name == r.name)
        #expect(revision(set, 1, collisionCount: 1).name != r.name)
        let other = set.setting(["spec", "template", "spec", "containers"], [["name": "c", "image": "nginx:1.27"]])
        #expect(revision(other, 2).name != r.name)
        #expect(ControllerHistory.equal(revision(set, 1), revision(set, 5)))
        #expect(!ControllerHistory.equal(revision(set, 1), revision(other, 1)))
    }

    @Test func longNamesAreCutBeforeTheHash() {
        let name = String(repeating: "a", count: 240)
        let r = ControllerHistory.revisionName(prefix: name, hash: "abc")
        #expect(r == String(repeating: "a", count: 223) + "-abc")
    }

    @Test func revisionsSortByNumberAndTheNextIsOneMore() {
        let a = revision(set, 3), b = revision(set, 1).setting(["metadata", "name"], "b"), c = revision(set, 2).setting(["metadata", "name"], "c")
        #expect(ControllerHistory.sorted([a, b, c]).map { ControllerHistory.number($0) } == [1, 2, 3])
        #expect(ControllerHistory.nextRevision([a, b, c]) == 4)
        #expect(ControllerHistory.nextRevision([]) == 1)
    }

    @Test func applyingARevisionRestoresTheTemplate() {
        let r = revision(set, 1)
        let changed = set.setting(["spec", "template", "spec", "containers"], [["name": "c", "image": "nginx:1.27"]])
        let restored = TemplatePatch.apply(r, to: changed)
        #expect(restored[path: ["spec", "template"]] == set[path: ["spec", "template"]])
    }
}
