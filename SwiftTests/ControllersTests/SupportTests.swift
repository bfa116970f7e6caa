import APIMachinery
import Client
import Foundation
import Testing

@testable import Controllers

@Suite struct ControllerExpectationsTests {
    @Test func creationsAndDeletionsMustBeObservedOnce() {
        let e = ControllerExpectations()
        #expect(e.satisfied("t/rs"))
        e.expectCreations("t/rs", 2)
        #expect(!e.satisfied("t/rs"))
        e.creationObserved("t/rs")
        #expect(!e.satisfied("t/rs"))
        e.creationObserved("t/rs")
        #expect(e.satisfied("t/rs"))

        e.expectDeletions("t/rs", podKeys: ["t/a", "t/b"])
        e.deletionObserved("t/rs", podKey: "t/a")
        // The same pod seen deleted twice (deletionTimestamp, then the delete) counts once.
        e.deletionObserved("t/rs", podKey: "t/a")
        e.deletionObserved("t/rs", podKey: "t/unrelated")
        #expect(!e.satisfied("t/rs"))
        e.deletionObserved("t/rs", podKey: "t/b")
        #expect(e.satisfied("t/rs"))
        e.delete("t/rs")
        #expect(e.pending("t/rs") == nil)
    }

    @Test func expiredExpectationsNoLongerBlock() {
        let clock = ManualClock()
        let e = ControllerExpectations(ttl: .milliseconds(50), clock: clock)
        e.expectCreations("t/rs", 3)
        clock.advance(by: .milliseconds(50))
        #expect(!e.satisfied("t/rs"))
        clock.advance(by: .milliseconds(1))
        #expect(e.satisfied("t/rs"))
    }
}

@Suite struct PodTemplateTests {
    @Test func podsCarryTemplateMetadataAndAControllerReference() throws {
        let rs: JSON = ["metadata": ["name": "web", "namespace": "t", "uid": "u1"],
                        "spec": ["template": ["metadata": ["labels": ["app": "web"], "annotations": ["a": "b"], "creationTimestamp": nil],
                                              "spec": ["containers": [["name": "c", "image": "i"]]]]]]
        let pod = try PodTemplate.pod(from: rs, kind: "ReplicaSet", apiVersion: "apps/v1")
        #expect(pod[path: ["metadata", "generateName"]] == "web-")
        #expect(pod[path: ["metadata", "labels"]] == ["app": "web"])
        #expect(pod[path: ["metadata", "annotations"]] == ["a": "b"])
        #expect(pod[path: ["metadata", "creationTimestamp"]] == nil)
        #expect(pod.controllerRef == OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u1", controller: true, blockOwnerDeletion: true))
        var unlabeled = rs
        unlabeled[path: ["spec", "template", "metadata", "labels"]] = nil
        #expect(throws: PodTemplate.NoLabels.self) { try PodTemplate.pod(from: unlabeled, kind: "ReplicaSet", apiVersion: "apps/v1") }
    }
}
