import APIMachinery
@testable import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

let claimsInNS = ResourcePath.persistentvolumeclaims.inNamespace("t")

/// The binder, the protection controllers and the local-path provisioner against a real API server.
@Suite(.timeLimit(.minutes(2)))
struct PersistentVolumeControllerTests {
    static func storageControllers(nodesDirectory: URL? = nil) -> (KubeClient, SharedInformers, EventBroadcaster) -> [@Sendable () async -> Void] {
        { client, informers, events in
            let binder = PersistentVolumeController(client: client, informers: informers, recorder: events.recorder(component: "persistentvolume-controller"))
            let pvc = ClaimProtectionController(client: client, informers: informers)
            let pv = VolumeProtectionController(client: client, informers: informers)
            ControllerQueues.track(binder.queue, workers: 1)
            ControllerQueues.track(pvc.queue, workers: 1)
            ControllerQueues.track(pv.queue, workers: 1)
            var runs: [@Sendable () async -> Void] = [{ await binder.run(workers: 1) }, { await pvc.run(workers: 1) }, { await pv.run(workers: 1) }]
            if let nodesDirectory {
                let p = LocalPathProvisioner(client: client, informers: informers, nodesDirectory: nodesDirectory,
                                             recorder: events.recorder(component: "rancher.io/local-path_local-path-provisioner"))
                ControllerQueues.track(p.queue, workers: 1)
                runs.append { await p.run(workers: 1) }
            }
            return runs
        }
    }

    static func volume(_ name: String, size: String, class cls: String = "", modes: [String] = ["ReadWriteOnce"],
                       labels: [String: String] = [:], reclaim: String = "Retain", path: String = "/srv/data") -> JSON {
        ["apiVersion": "v1", "kind": "PersistentVolume",
         "metadata": ["name": .string(name), "labels": .from(labels)],
         "spec": ["capacity": ["storage": .string(size)], "accessModes": .array(modes.map(JSON.string)),
                  "storageClassName": .string(cls), "persistentVolumeReclaimPolicy": .string(reclaim),
                  "hostPath": ["path": .string(path)]]]
    }

    static func claim(_ name: String, size: String = "1Gi", class cls: String? = "", selector: JSON? = nil) -> JSON {
        var c: JSON = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": .string(name)],
                       "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(size)]]]]
        if let cls { c[path: ["spec", "storageClassName"]] = .string(cls) }
        if let selector { c[path: ["spec", "selector"]] = selector }
        return c
    }

    static func phase(_ c: KubeClient, _ r: ResourcePath, _ name: String) async throws -> String {
        try await c.get(r, name)[path: ["status", "phase"]]?.string ?? ""
    }

    @Test func aClaimBindsTheSmallestMatchingVolumeAndReleasesItWhenDeleted() async throws {
        try await withControllers(Self.storageControllers()) { cluster in
            let c = cluster.client
            try await c.create(.persistentvolumes, Self.volume("big", size: "10Gi"))
            try await c.create(.persistentvolumes, Self.volume("small", size: "2Gi"))
            try await c.create(.persistentvolumes, Self.volume("tiny", size: "500Mi"))
            try await c.create(.persistentvolumes, Self.volume("other-class", size: "1Gi", class: "fast"))
            #expect(try await eventually { try await Self.phase(c, .persistentvolumes, "tiny") == "Available" })
            // Admission and the protection controller: finalizers on both kinds.
            #expect(try await c.get(.persistentvolumes, "small").finalizers == ["kubernetes.io/pv-protection"])

            try await c.create(claimsInNS, Self.claim("data"))
            #expect(try await eventually { try await Self.phase(c, claimsInNS, "data") == "Bound" })
            let claim = try await c.get(claimsInNS, "data")
            #expect(claim.claimVolumeName == "small")
            #expect(claim.annotations["pv.kubernetes.io/bind-completed"] == "yes")
            #expect(claim.annotations["pv.kubernetes.io/bound-by-controller"] == "yes")
            #expect(claim[path: ["status", "capacity", "storage"]] == "2Gi")
            #expect(claim[path: ["status", "accessModes"]] == ["ReadWriteOnce"])
            #expect(claim.finalizers == ["kubernetes.io/pvc-protection"])
            let pv = try await c.get(.persistentvolumes, "small")
            #expect(pv[path: ["status", "phase"]] == "Bound")
            #expect(pv[path: ["spec", "claimRef", "uid"]]?.string == claim.uid)
            #expect(pv.annotations["pv.kubernetes.io/bound-by-controller"] == "yes")
            #expect(try await Self.phase(c, .persistentvolumes, "big") == "Available")

            // No pod uses it: the claim goes at once; Retain keeps the volume, Released.
            try await c.delete(claimsInNS, "data")
            #expect(try await eventually { (try? await c.get(claimsInNS, "data")) == nil })
            #expect(try await eventually { try await Self.phase(c, .persistentvolumes, "small") == "Released" })
            #expect(try await cluster.quiesced())
            #expect(try await Self.phase(c, .persistentvolumes, "small") == "Released")
        }
    }

    @Test func selectorsAccessModesAndPrebindingAreHonoured() async throws {
        try await withControllers(Self.storageControllers()) { cluster in
            let c = cluster.client
            try await c.create(.persistentvolumes, Self.volume("rox", size: "1Gi", modes: ["ReadOnlyMany"]))
            try await c.create(.persistentvolumes, Self.volume("fast-disk", size: "5Gi", labels: ["tier": "fast"]))
            try await c.create(.persistentvolumes, Self.volume("slow-disk", size: "1Gi", labels: ["tier": "slow"]))
            var prebound = Self.volume("reserved", size: "1Gi")
            prebound[path: ["spec", "claimRef"]] = ["namespace": "t", "name": "mine"]
            try await c.create(.persistentvolumes, prebound)
            try await c.create(claimsInNS, Self.claim("picky", selector: ["matchLabels": ["tier": "fast"]]))
            try await c.create(claimsInNS, Self.claim("mine"))
            #expect(try await eventually {
                let picky = try await Self.phase(c, claimsInNS, "picky"), mine = try await Self.phase(c, claimsInNS, "mine")
                return picky == "Bound" && mine == "Bound"
            })
            #expect(try await c.get(claimsInNS, "picky").claimVolumeName == "fast-disk")
            #expect(try await c.get(claimsInNS, "mine").claimVolumeName == "reserved")
            #expect(try await Self.phase(c, .persistentvolumes, "rox") == "Available")
            #expect(try await Self.phase(c, .persistentvolumes, "slow-disk") == "Available")
        }
    }

    @Test func unmatchedClaimsWaitAndSayWhy() async throws {
        try await withControllers(Self.storageControllers()) { cluster in
            let c = cluster.client
            try await c.create(.storageclasses, ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "later"],
                                                 "provisioner": "example.com/disk", "volumeBindingMode": "WaitForFirstConsumer"])
            try await c.create(.storageclasses, ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "now"],
                                                 "provisioner": "example.com/disk"])
            try await c.create(claimsInNS, Self.claim("none"))
            try await c.create(claimsInNS, Self.claim("waiting", class: "later"))
            try await c.create(claimsInNS, Self.claim("external", class: "now"))
            try await c.create(claimsInNS, Self.claim("ghost", class: "missing"))
            #expect(try await eventually {
                let none = try await c.eventMessages(about: "none"), waiting = try await c.eventMessages(about: "waiting")
                let external = try await c.eventMessages(about: "external"), ghost = try await c.eventMessages(about: "ghost")
                return none.contains { $0 == ("FailedBinding", "no persistent volumes available for this claim and no storage class is set") }
                    && waiting.contains { $0 == ("WaitForFirstConsumer", "waiting for first consumer to be created before binding") }
                    && external.contains { $0.0 == "ExternalProvisioning" && $0.1.hasPrefix("Waiting for a volume to be created either by the external provisioner 'example.com/disk'") }
                    && ghost.contains { $0 == ("ProvisioningFailed", "storageclass.storage.k8s.io \"missing\" not found") }
            })
            let external = try await c.get(claimsInNS, "external")
            #expect(external.annotations["volume.kubernetes.io/storage-provisioner"] == "example.com/disk")
            #expect(external.annotations["volume.beta.kubernetes.io/storage-provisioner"] == "example.com/disk")
            #expect(try await c.get(claimsInNS, "waiting").annotations["volume.kubernetes.io/storage-provisioner"] == nil)
            // A volume that appears later binds the waiting claim without a class.
            try await c.create(.persistentvolumes, Self.volume("late", size: "1Gi"))
            #expect(try await eventually { try await c.get(claimsInNS, "none").claimVolumeName == "late" })
        }
    }

    @Test func aClaimInUseStaysUntilItsPodIsGone() async throws {
        try await withControllers(Self.storageControllers()) { cluster in
            let c = cluster.client
            try await c.create(.persistentvolumes, Self.volume("pv", size: "1Gi"))
            try await c.create(claimsInNS, Self.claim("data"))
            #expect(try await eventually { try await Self.phase(c, claimsInNS, "data") == "Bound" })
            let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "user"],
                             "spec": ["nodeName": "n1", "containers": [["name": "c", "image": "busybox"]],
                                      "volumes": [["name": "v", "persistentVolumeClaim": ["claimName": "data"]]]]]
            try await c.create(podsInT, pod)
            try await c.delete(claimsInNS, "data")
            #expect(try await cluster.quiesced())
            let terminating = try await c.get(claimsInNS, "data")
            #expect(terminating.isBeingDeleted && terminating.finalizers == ["kubernetes.io/pvc-protection"])
            // The volume is Bound: deleting it waits too.
            try await c.delete(.persistentvolumes, "pv")
            #expect(try await cluster.quiesced())
            #expect(try await c.get(.persistentvolumes, "pv").finalizers == ["kubernetes.io/pv-protection"])

            try await c.delete(podsInT, "user", options: ["gracePeriodSeconds": 0])
            #expect(try await eventually { (try? await c.get(claimsInNS, "data")) == nil })
            // Released now, so nothing protects the volume any more.
            #expect(try await eventually { (try? await c.get(.persistentvolumes, "pv")) == nil })
        }
    }

    @Test func localPathProvisionsOnTheSelectedNodeAndDeletesWithTheClaim() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-localpath-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        try await withControllers(Self.storageControllers(nodesDirectory: root)) { cluster in
            let c = cluster.client
            for (name, reclaim) in [("standard", "Delete"), ("keep", "Retain")] {
                let annotations: JSON = name == "standard" ? ["storageclass.kubernetes.io/is-default-class": "true"] : [:]
                try await c.create(.storageclasses, ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                                     "metadata": ["name": .string(name), "annotations": annotations],
                                                     "provisioner": "rancher.io/local-path", "reclaimPolicy": .string(reclaim),
                                                     "volumeBindingMode": "WaitForFirstConsumer"])
            }
            // No class named: the default class admission gives it `standard`.
            try await c.create(claimsInNS, Self.claim("data", class: nil))
            try await c.create(claimsInNS, Self.claim("kept", class: "keep"))
            #expect(try await c.get(claimsInNS, "data")[path: ["spec", "storageClassName"]] == "standard")
            #expect(try await cluster.quiesced())
            #expect(try await c.items(.persistentvolumes).isEmpty)
            // The scheduler's choice.
            for name in ["data", "kept"] {
                try await c.patch(claimsInNS, name, ["metadata": ["annotations": ["volume.kubernetes.io/selected-node": "node-1"]]])
            }
            #expect(try await eventually {
                let data = try await Self.phase(c, claimsInNS, "data"), kept = try await Self.phase(c, claimsInNS, "kept")
                return data == "Bound" && kept == "Bound"
            })
            let claim = try await c.get(claimsInNS, "data")
            let pv = try await c.get(.persistentvolumes, claim.claimVolumeName)
            #expect(pv.name == "pvc-\(claim.uid)")
            #expect(pv.annotations["pv.kubernetes.io/provisioned-by"] == "rancher.io/local-path")
            #expect(pv[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Delete")
            let term = pv[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]?.array?.first
            #expect(term?["matchExpressions"]?.array?.first?["values"] == ["node-1"])
            let dir = pv[path: ["spec", "hostPath", "path"]]?.string ?? ""
            #expect(dir == root.appendingPathComponent("node-1/local-path/\(pv.name)_t_data").path)
            #expect(FileManager.default.fileExists(atPath: dir))
            try "hello".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
            #expect(try await eventually {
                try await c.eventMessages(about: "data").contains { $0 == ("ProvisioningSucceeded", "Successfully provisioned volume \(pv.name)") }
            })
            let keptPV = try await c.get(.persistentvolumes, try await c.get(claimsInNS, "kept").claimVolumeName)
            let keptDir = keptPV[path: ["spec", "hostPath", "path"]]?.string ?? ""

            // Delete: the claim goes, then the volume and its directory.
            try await c.delete(claimsInNS, "data")
            #expect(try await eventually { (try? await c.get(.persistentvolumes, pv.name)) == nil })
            #expect(!FileManager.default.fileExists(atPath: dir))
            // Retain: the volume stays Released and its directory stays.
            try await c.delete(claimsInNS, "kept")
            #expect(try await eventually { try await Self.phase(c, .persistentvolumes, keptPV.name) == "Released" })
            #expect(try await cluster.quiesced())
            #expect(FileManager.default.fileExists(atPath: keptDir))
        }
    }
}
