import APIMachinery
import Testing
@testable import Registry

@Suite("Storage admission")
struct StorageAdmissionTests {
    static func storageClass(_ name: String, isDefault: Bool, created: String) -> JSON {
        ["metadata": ["name": .string(name), "creationTimestamp": .string(created),
                      "annotations": isDefault ? ["storageclass.kubernetes.io/is-default-class": "true"] : [:]]]
    }

    @Test func claimsWithoutAClassGetTheNewestDefault() {
        let classes = [Self.storageClass("standard", isDefault: true, created: "2026-01-01T00:00:00Z"),
                       Self.storageClass("fast", isDefault: false, created: "2026-03-01T00:00:00Z"),
                       Self.storageClass("replacement", isDefault: true, created: "2026-02-01T00:00:00Z")]
        var claim: JSON = ["spec": ["accessModes": ["ReadWriteOnce"]]]
        StorageAdmission.setDefaultClass(&claim, classes: classes)
        #expect(claim[path: ["spec", "storageClassName"]] == "replacement")
    }

    @Test func anExplicitClassEvenEmptyIsKept() {
        let classes = [Self.storageClass("standard", isDefault: true, created: "2026-01-01T00:00:00Z")]
        var none: JSON = ["spec": ["storageClassName": ""]]
        StorageAdmission.setDefaultClass(&none, classes: classes)
        #expect(none[path: ["spec", "storageClassName"]] == "")
        var beta: JSON = ["metadata": ["annotations": ["volume.beta.kubernetes.io/storage-class": "old"]], "spec": [:]]
        StorageAdmission.setDefaultClass(&beta, classes: classes)
        #expect(beta[path: ["spec", "storageClassName"]] == nil)
        var noDefault: JSON = ["spec": [:]]
        StorageAdmission.setDefaultClass(&noDefault, classes: [Self.storageClass("x", isDefault: false, created: "2026-01-01T00:00:00Z")])
        #expect(noDefault[path: ["spec", "storageClassName"]] == nil)
    }

    @Test func protectionFinalizersAreAddedOnce() {
        var claim: JSON = ["metadata": ["finalizers": ["example.com/keep"]]]
        StorageAdmission.addFinalizer(&claim, StorageAdmission.pvcProtectionFinalizer)
        StorageAdmission.addFinalizer(&claim, StorageAdmission.pvcProtectionFinalizer)
        #expect(claim[path: ["metadata", "finalizers"]] == ["example.com/keep", "kubernetes.io/pvc-protection"])
    }
}
