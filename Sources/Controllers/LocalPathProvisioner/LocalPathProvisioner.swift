import APIMachinery
import Client
import Foundation
import Logging

/// The cluster's built-in dynamic provisioner, in the manner of the local-path provisioner kind and k3s
/// ship: a claim handed to it (the binder's `storage-provisioner` annotation) gets a directory on the node
/// the scheduler chose (`selected-node`) and a hostPath PersistentVolume pre-bound to the claim, with node
/// affinity to that node, so the binder completes the binding and every later pod of the claim lands
/// where its data is. A Released volume it made with reclaim policy Delete loses its directory, then its
/// object; with Retain both stay.
///
/// Skiff's nodes share the host's file system (they are network namespaces), so "on the node" is a
/// directory under that node's own directory — made and removed here, with no helper pod.
public final class LocalPathProvisioner: Reconciler, Sendable {
    /// The name StorageClasses give in `provisioner`: kind's, so manifests written for kind work unchanged.
    public static let defaultName = "rancher.io/local-path"
    /// The service account it acts as under `--use-service-account-credentials`: kind's
    /// (`local-path-provisioner-service-account`, there in `local-path-storage`), in kube-system with the
    /// controllers, bound to rancher's `local-path-provisioner-role` by the bootstrap policy.
    public static let serviceAccountName = "local-path-provisioner-service-account"

    let client: KubeClient
    let name: String
    let layout: LocalPathLayout
    let claims: Informer
    let volumes: Informer
    let classes: Informer
    let queue: WorkQueue<String>
    let recorder: EventRecorder
    let logger: Logger

    static let claimPrefix = "claim/"
    static let volumePrefix = "volume/"

    public init(client: KubeClient, informers: SharedInformers, nodesDirectory: URL, name: String = defaultName,
                recorder: EventRecorder, logger: Logger = Logger(label: "local-path-provisioner")) {
        self.client = client
        self.name = name
        self.recorder = recorder
        self.logger = logger
        layout = LocalPathLayout(nodesDirectory: nodesDirectory)
        queue = WorkQueue<String>()
        claims = informers.informer(.persistentvolumeclaims)
        volumes = informers.informer(.persistentvolumes)
        classes = informers.informer(.storageclasses)
        claims.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] c, _ in self?.queue.add(Self.claimPrefix + c.key) },
            onUpdate: { [weak self] _, c in self?.queue.add(Self.claimPrefix + c.key) }))
        volumes.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] v, _ in self?.queue.add(Self.volumePrefix + v.name) },
            onUpdate: { [weak self] _, v in self?.queue.add(Self.volumePrefix + v.name) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "local-path-provisioner", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [claims, volumes, classes])
    }

    public func reconcile(_ key: String) async throws {
        if key.hasPrefix(Self.volumePrefix) {
            try await syncVolume(String(key.dropFirst(Self.volumePrefix.count)))
        } else if key.hasPrefix(Self.claimPrefix), let claim = claims.store.get(String(key.dropFirst(Self.claimPrefix.count))) {
            try await provisionIfNeeded(claim)
        }
    }

    /// The PersistentVolume name for a claim: `pvc-<claim uid>`, as every external provisioner names it.
    static func volumeName(for claim: JSON) -> String { "pvc-" + claim.uid }

    /// The library's `shouldProvision`: unbound, handed to this provisioner, of a class it serves, and —
    /// for WaitForFirstConsumer — with a node chosen.
    func provisionIfNeeded(_ claim: JSON) async throws {
        guard !claim.isBeingDeleted, claim.claimVolumeName.isEmpty else { return }
        let ann = claim.annotations
        guard ann[StorageAnnotations.storageProvisioner] == name || ann[StorageAnnotations.betaStorageProvisioner] == name else { return }
        guard let cls = classes.store.get(claim.claimClass), cls["provisioner"]?.string == name else { return }
        let pvName = Self.volumeName(for: claim)
        if volumes.store.get(pvName) != nil { return }
        guard let node = ann[StorageAnnotations.selectedNode], !node.isEmpty else {
            if cls["volumeBindingMode"]?.string != "WaitForFirstConsumer" {
                // A directory lives on one node; without the scheduler's choice there is none to pick.
                event(claim, .warning, "ProvisioningFailed", "failed to provision volume with StorageClass \"\(cls.name)\": configuration error, no node was specified")
            }
            return
        }
        if claim.volumeMode == "Block" {
            event(claim, .warning, "ProvisioningFailed", "failed to provision volume with StorageClass \"\(cls.name)\": volumeMode Block is not supported")
            return
        }
        event(claim, .normal, "Provisioning", "External provisioner is provisioning volume for claim \"\(claim.namespace)/\(claim.name)\"")
        let directory = layout.directory(node: node, volume: pvName, namespace: claim.namespace, claim: claim.name)
        do {
            try layout.create(directory)
        } catch {
            event(claim, .warning, "ProvisioningFailed", "failed to provision volume with StorageClass \"\(cls.name)\": \(error)")
            throw error
        }
        let volume = persistentVolume(pvName, for: claim, class: cls, node: node, path: directory.path)
        do {
            _ = try await client.create(.persistentvolumes, volume)
        } catch let e as APIError where e.code == 409 {
            return
        }
        logger.info("provisioned volume \(pvName) for claim \(claim.key) on node \(node) at \(directory.path)")
        event(claim, .normal, "ProvisioningSucceeded", "Successfully provisioned volume \(pvName)")
    }

    /// The volume as local-path's provisioner writes it: a DirectoryOrCreate hostPath, node affinity to
    /// the chosen node by hostname, the class's reclaim policy and mount options, pre-bound to the claim.
    func persistentVolume(_ pvName: String, for claim: JSON, class cls: JSON, node: String, path: String) -> JSON {
        var spec: JSON = [
            "accessModes": claim[path: ["spec", "accessModes"]] ?? [],
            "capacity": ["storage": claim[path: ["spec", "resources", "requests", "storage"]] ?? "0"],
            "claimRef": claimReference(claim),
            "hostPath": ["path": .string(path), "type": "DirectoryOrCreate"],
            "nodeAffinity": ["required": ["nodeSelectorTerms": [
                ["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(node)]]]],
            ]]],
            "persistentVolumeReclaimPolicy": .string(cls["reclaimPolicy"]?.string ?? "Delete"),
            "storageClassName": .string(cls.name),
            "volumeMode": .string(claim.volumeMode),
        ]
        if let options = cls["mountOptions"], !options.isNull { spec["mountOptions"] = options }
        return [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": [
                "name": .string(pvName),
                "annotations": [StorageAnnotations.provisionedBy: .string(name), "local.path.provisioner/selected-node": .string(node)],
                "finalizers": [.string(StorageAnnotations.pvProtectionFinalizer)],
            ],
            "spec": spec,
        ]
    }

    /// A Released volume this provisioner made, with reclaim policy Delete: its directory goes, then the
    /// object. Any other volume (Retain, Bound, someone else's) is left alone — its data stays.
    func syncVolume(_ pvName: String) async throws {
        guard let volume = volumes.store.get(pvName), !volume.isBeingDeleted,
              volume.annotations[StorageAnnotations.provisionedBy] == name,
              volume.volumePhase == "Released",
              volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.string == "Delete" else { return }
        if let path = volume[path: ["spec", "hostPath", "path"]]?.string {
            do {
                try layout.remove(URL(fileURLWithPath: path), volume: pvName)
            } catch {
                recorder.event(volume, kind: "PersistentVolume", apiVersion: "v1", .warning, "VolumeFailedDelete", "\(error)")
                throw error
            }
        }
        do {
            _ = try await client.delete(.persistentvolumes, pvName, options: ["preconditions": ["uid": .string(volume.uid)]])
            logger.info("deleted volume \(pvName) and its directory: its claim is gone and its reclaim policy is Delete")
        } catch let e as APIError where e.code == 404 || e.code == 409 {
            return
        }
    }

    func event(_ claim: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(claim, kind: "PersistentVolumeClaim", apiVersion: "v1", type, reason, message)
    }
}
