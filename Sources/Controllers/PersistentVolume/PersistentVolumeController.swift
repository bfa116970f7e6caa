import APIMachinery
import Client
import Foundation
import Logging

/// Binds PersistentVolumeClaims to PersistentVolumes and runs volumes through their phases (upstream's
/// `persistentvolume-binder`, `pkg/controller/volume/persistentvolume`).
///
/// Claims: an unbound claim is bound to the best matching volume (`VolumeMatching`); with none, a
/// WaitForFirstConsumer claim waits for the scheduler's `selected-node`, a claim with a class is handed to
/// its class's provisioner (the `storage-provisioner` annotations, an `ExternalProvisioning` event), and a
/// claim without one waits (`FailedBinding`). A bound claim whose volume went is `Lost`.
/// Volumes: `Available` without a claim, `Bound` with one, `Released` when their claim is gone — then the
/// reclaim policy decides: Retain keeps them, Delete leaves provisioned volumes to their provisioner.
///
/// One queue holds both kinds of keys (`claim/<ns>/<name>`, `volume/<name>`); each sync reads the caches
/// and writes only what differs, so running it again is harmless.
public final class PersistentVolumeController: Reconciler, Sendable {
    let client: KubeClient
    let claims: Informer
    let volumes: Informer
    let classes: Informer
    let queue: WorkQueue<String>
    let recorder: EventRecorder
    let logger: Logger

    static let claimPrefix = "claim/"
    static let volumePrefix = "volume/"

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder,
                logger: Logger = Logger(label: "persistentvolume-binder-controller")) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        queue = WorkQueue<String>()
        claims = informers.informer(.persistentvolumeclaims)
        volumes = informers.informer(.persistentvolumes)
        classes = informers.informer(.storageclasses)
        claims.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] c, _ in self?.enqueueClaim(c) },
            onUpdate: { [weak self] _, c in self?.enqueueClaim(c) },
            onDelete: { [weak self] del in self?.claimDeleted(del.object) }))
        volumes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] v, _ in self?.volumeChanged(v) },
            onUpdate: { [weak self] _, v in self?.volumeChanged(v) },
            onDelete: { [weak self] del in self?.volumeDeleted(del.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "persistentvolume-binder", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [claims, volumes, classes])
    }

    func enqueueClaim(_ claim: JSON) { queue.add(Self.claimPrefix + claim.key) }

    /// A claim went: its volume (by either half of the binding) must be released.
    func claimDeleted(_ claim: JSON) {
        if !claim.claimVolumeName.isEmpty { queue.add(Self.volumePrefix + claim.claimVolumeName) }
        for v in volumes.store.list() where isVolumeBound(v, to: claim) { queue.add(Self.volumePrefix + v.name) }
    }

    /// A volume changed: sync it and the claim it names; a volume free for binding may be what pending
    /// claims wait for (upstream finds that on its periodic resync; this finds it at once).
    func volumeChanged(_ volume: JSON) {
        queue.add(Self.volumePrefix + volume.name)
        if let ref = volume.claimRef {
            queue.add(Self.claimPrefix + ObjectKey.make(namespace: ref["namespace"]?.string ?? "", name: ref["name"]?.string ?? ""))
        } else {
            for c in claims.store.list() where c.claimVolumeName.isEmpty && !c.isBeingDeleted { enqueueClaim(c) }
        }
    }

    func volumeDeleted(_ volume: JSON) {
        if let ref = volume.claimRef {
            queue.add(Self.claimPrefix + ObjectKey.make(namespace: ref["namespace"]?.string ?? "", name: ref["name"]?.string ?? ""))
        }
    }

    public func reconcile(_ key: String) async throws {
        if key.hasPrefix(Self.volumePrefix) {
            try await syncVolume(String(key.dropFirst(Self.volumePrefix.count)))
        } else if key.hasPrefix(Self.claimPrefix) {
            try await syncClaim(String(key.dropFirst(Self.claimPrefix.count)))
        }
    }

    // MARK: Claims

    func syncClaim(_ key: String) async throws {
        guard let claim = claims.store.get(key) else { return }
        if claim.annotations[StorageAnnotations.bindCompleted] == nil {
            try await syncUnboundClaim(claim)
        } else {
            try await syncBoundClaim(claim)
        }
    }

    /// Whether binding waits for the scheduler: the claim's class is WaitForFirstConsumer.
    func isDelayBinding(_ claim: JSON) -> Bool {
        let name = claim.claimClass
        guard !name.isEmpty, let cls = classes.store.get(name) else { return false }
        return cls["volumeBindingMode"]?.string == "WaitForFirstConsumer"
    }

    func syncUnboundClaim(_ claim: JSON) async throws {
        let volumeName = claim.claimVolumeName
        if volumeName.isEmpty {
            let delay = isDelayBinding(claim)
            if let volume = VolumeMatching.bestMatch(for: claim, in: volumes.store.list(), delayBinding: delay) {
                try await bind(volume: volume, claim: claim)
                return
            }
            if delay && claim.annotations[StorageAnnotations.selectedNode] == nil {
                if claim[path: ["status", "phase"]]?.string == "Pending" {
                    claimEvent(claim, .normal, "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
                }
                try await setClaimPhase(claim, "Pending")
                return
            }
            let className = claim.claimClass
            if className.isEmpty {
                claimEvent(claim, .normal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
            } else {
                try await provision(claim, className: className)
            }
            try await setClaimPhase(claim, "Pending")
            return
        }
        // The user asked for a particular volume.
        guard let volume = volumes.store.get(volumeName) else {
            try await setClaimPhase(claim, "Pending")
            return
        }
        if volume.claimRef == nil || isVolumeBound(volume, to: claim) {
            if volume.volumeMode != claim.volumeMode {
                claimEvent(claim, .warning, "VolumeMismatch", "Cannot bind to requested volume \"\(volumeName)\": requested PV has a different volume mode")
                try await setClaimPhase(claim, "Pending")
                return
            }
            try await bind(volume: volume, claim: claim)
            return
        }
        claimEvent(claim, .warning, "FailedBinding", "volume \"\(volumeName)\" already bound to a different claim.")
        try await setClaimPhase(claim, "Pending")
    }

    func syncBoundClaim(_ claim: JSON) async throws {
        let volumeName = claim.claimVolumeName
        if volumeName.isEmpty {
            try await lose(claim, "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
            return
        }
        guard let volume = volumes.store.get(volumeName) else {
            try await lose(claim, "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            return
        }
        if volume.claimRef == nil || isVolumeBound(volume, to: claim) {
            try await bind(volume: volume, claim: claim)
            return
        }
        if claim[path: ["status", "phase"]]?.string != "Lost" {
            claimEvent(claim, .warning, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly")
        }
        try await setClaimPhase(claim, "Lost")
    }

    func lose(_ claim: JSON, _ message: String) async throws {
        if claim[path: ["status", "phase"]]?.string != "Lost" {
            claimEvent(claim, .warning, "ClaimLost", message)
        }
        try await setClaimPhase(claim, "Lost")
    }

    /// Upstream `provisionClaim` for a provisioner outside the controller manager (every one here): the
    /// claim is annotated with its provisioner, which watches for such claims. In-tree names without a
    /// plugin (`kubernetes.io/no-provisioner`) are an error, as upstream.
    func provision(_ claim: JSON, className: String) async throws {
        guard let cls = classes.store.get(className) else {
            claimEvent(claim, .warning, "ProvisioningFailed", "storageclass.storage.k8s.io \"\(className)\" not found")
            return
        }
        let provisioner = cls["provisioner"]?.string ?? ""
        if provisioner.hasPrefix("kubernetes.io/") {
            claimEvent(claim, .warning, "ProvisioningFailed", "no volume plugin matched name: \(provisioner)")
            return
        }
        if claim.annotations[StorageAnnotations.storageProvisioner] != provisioner
            || claim.annotations[StorageAnnotations.betaStorageProvisioner] != provisioner {
            var updated = claim
            updated[path: ["metadata", "annotations", StorageAnnotations.storageProvisioner]] = .string(provisioner)
            updated[path: ["metadata", "annotations", StorageAnnotations.betaStorageProvisioner]] = .string(provisioner)
            _ = try await client.update(.persistentvolumeclaims.inNamespace(claim.namespace), updated)
        }
        claimEvent(claim, .normal, "ExternalProvisioning",
                   "Waiting for a volume to be created either by the external provisioner '\(provisioner)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
    }

    // MARK: Binding

    /// Upstream `bind`: the volume's claimRef and phase first, then the claim's volumeName, annotations
    /// and status. Each write only when it changes something.
    func bind(volume: JSON, claim: JSON) async throws {
        var pv = volume
        if !isVolumeBound(pv, to: claim) || pv.claimRef?["uid"]?.string != claim.uid {
            if pv.claimRef == nil {
                pv[path: ["metadata", "annotations", StorageAnnotations.boundByController]] = "yes"
            }
            pv[path: ["spec", "claimRef"]] = claimReference(claim)
            pv = try await client.update(.persistentvolumes, pv)
        }
        if pv.volumePhase != "Bound" {
            pv = try await setVolumePhase(pv, "Bound")
        }
        var pvc = claim
        var changed = false
        if pvc.claimVolumeName != pv.name {
            pvc[path: ["spec", "volumeName"]] = .string(pv.name)
            pvc[path: ["metadata", "annotations", StorageAnnotations.boundByController]] = "yes"
            changed = true
        }
        if pvc.annotations[StorageAnnotations.bindCompleted] != "yes" {
            pvc[path: ["metadata", "annotations", StorageAnnotations.bindCompleted]] = "yes"
            changed = true
        }
        if changed {
            pvc = try await client.update(.persistentvolumeclaims.inNamespace(claim.namespace), pvc)
        }
        var status = pvc["status"] ?? [:]
        let before = status
        status["phase"] = "Bound"
        status["accessModes"] = pv[path: ["spec", "accessModes"]]
        status["capacity"] = pv[path: ["spec", "capacity"]]
        if status != before {
            pvc["status"] = status
            _ = try await client.update(.persistentvolumeclaims.inNamespace(claim.namespace), pvc, subresource: "status")
            logger.debug("bound claim \(claim.key) to volume \(pv.name)")
        }
    }

    func setClaimPhase(_ claim: JSON, _ phase: String) async throws {
        guard claim[path: ["status", "phase"]]?.string != phase else { return }
        var pvc = claim
        pvc[path: ["status", "phase"]] = .string(phase)
        if phase == "Lost" || phase == "Pending" {
            // A claim that is not bound has no capacity or access modes of its own.
            if phase == "Pending" {
                pvc[path: ["status", "capacity"]] = nil
                pvc[path: ["status", "accessModes"]] = nil
            }
        }
        _ = try await client.update(.persistentvolumeclaims.inNamespace(claim.namespace), pvc, subresource: "status")
    }

    @discardableResult
    func setVolumePhase(_ volume: JSON, _ phase: String, message: String? = nil) async throws -> JSON {
        guard volume.volumePhase != phase || volume[path: ["status", "message"]]?.string != message else { return volume }
        var pv = volume
        var status: JSON = ["phase": .string(phase)]
        if let message { status["message"] = .string(message) }
        status["lastPhaseTransitionTime"] = volume.volumePhase == phase
            ? (volume[path: ["status", "lastPhaseTransitionTime"]] ?? .string(RFC3339.time()))
            : .string(RFC3339.time())
        pv["status"] = status
        return try await client.update(.persistentvolumes, pv, subresource: "status")
    }

    // MARK: Volumes

    func syncVolume(_ name: String) async throws {
        guard let volume = volumes.store.get(name) else { return }
        guard let ref = volume.claimRef, !(ref["uid"]?.string ?? "").isEmpty else {
            // Unclaimed, or pre-bound by the user to a claim not yet created: free to bind.
            try await setVolumePhase(volume, "Available")
            return
        }
        let namespace = ref["namespace"]?.string ?? "", claimName = ref["name"]?.string ?? ""
        var claim = claims.store.get(namespace: namespace, name: claimName)
        if claim == nil {
            // The cache may be behind: ask the server before releasing anything (only a 404 means gone).
            do {
                claim = try await client.get(.persistentvolumeclaims.inNamespace(namespace), claimName)
            } catch let e as APIError where e.code == 404 {
                claim = nil
            }
        }
        if let c = claim, c.uid != ref["uid"]?.string { claim = nil }
        guard let claim else {
            var current = volume
            if volume.volumePhase != "Released" && volume.volumePhase != "Failed" {
                current = try await setVolumePhase(volume, "Released")
            }
            try await reclaim(current)
            return
        }
        if claim.claimVolumeName.isEmpty {
            // The claim's half is not written yet: the claim's sync finishes the binding.
            enqueueClaim(claim)
            return
        }
        if claim.claimVolumeName == volume.name {
            try await setVolumePhase(volume, "Bound")
            return
        }
        // The claim is bound to another volume: this one was bound by mistake (a race) and is freed.
        if volume.annotations[StorageAnnotations.boundByController] != nil {
            if volume.annotations[StorageAnnotations.provisionedBy] != nil,
               volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.string == "Delete" {
                let released = try await setVolumePhase(volume, "Released")
                try await reclaim(released)
                return
            }
            var pv = volume
            pv[path: ["spec", "claimRef"]] = nil
            pv[path: ["metadata", "annotations", StorageAnnotations.boundByController]] = nil
            pv = try await client.update(.persistentvolumes, pv)
            try await setVolumePhase(pv, "Available")
        } else {
            var pv = volume
            pv[path: ["spec", "claimRef", "uid"]] = ""
            pv = try await client.update(.persistentvolumes, pv)
            try await setVolumePhase(pv, "Available")
        }
    }

    /// Upstream `reclaimVolume`: Retain keeps the volume (and its data) Released for an administrator;
    /// Delete of a provisioned volume is its provisioner's job (it watches for Released volumes it made);
    /// Delete of a hand-made volume cannot be done here and fails it, as upstream's in-tree deleters do.
    func reclaim(_ volume: JSON) async throws {
        switch volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.string ?? "Retain" {
        case "Retain":
            return
        case "Delete":
            if volume.annotations[StorageAnnotations.provisionedBy] != nil { return }
            guard volume.volumePhase != "Failed" else { return }
            let message: String
            if let path = volume[path: ["spec", "hostPath", "path"]]?.string {
                message = "host_path deleter only supports /tmp/.+ but received provided \(path)"
            } else {
                message = "error getting deleter volume plugin for volume \"\(volume.name)\": no deletable volume plugin matched"
            }
            recorder.event(volume, kind: "PersistentVolume", apiVersion: "v1", .warning, "VolumeFailedDelete", message)
            try await setVolumePhase(volume, "Failed", message: message)
        default:
            guard volume.volumePhase != "Failed" else { return }
            let message = "No recycler plugin found for the volume!"
            recorder.event(volume, kind: "PersistentVolume", apiVersion: "v1", .warning, "VolumeFailedRecycle", message)
            try await setVolumePhase(volume, "Failed", message: message)
        }
    }

    func claimEvent(_ claim: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(claim, kind: "PersistentVolumeClaim", apiVersion: "v1", type, reason, message)
    }
}
