import APIMachinery
import Client
import Foundation
import Logging

/// Generic ephemeral volumes (upstream's `ephemeral-volume` controller): for each `ephemeral` volume of a
/// pod, a PersistentVolumeClaim `<pod>-<volume>` made from its `volumeClaimTemplate` and owned by the pod,
/// so it is bound and provisioned like any claim and the garbage collector removes it with the pod.
public final class EphemeralVolumeController: Reconciler, Sendable {
    let client: KubeClient
    let pods: Informer
    let claims: Informer
    let queue: WorkQueue<String>
    let recorder: EventRecorder
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder,
                logger: Logger = Logger(label: "ephemeral-volume-controller")) {
        self.client = client
        self.recorder = recorder
        self.logger = logger
        queue = WorkQueue<String>()
        pods = informers.informer(.pods)
        claims = informers.informer(.persistentvolumeclaims)
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] p, _ in self?.enqueue(p) },
            onUpdate: { [weak self] _, p in self?.enqueue(p) }))
        // A claim of a pod removed by hand is made again.
        claims.addHandler(InformerHandlerFunctions(
            onDelete: { [weak self] del in
                guard let self, let owner = del.object.controllerRef, owner.kind == "Pod" else { return }
                self.queue.add(ObjectKey.make(namespace: del.object.namespace, name: owner.name))
            }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "ephemeral-volume", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [pods, claims])
    }

    func enqueue(_ pod: JSON) {
        if !pod.isBeingDeleted, pod[path: ["spec", "volumes"]]?.array?.contains(where: { $0["ephemeral"] != nil }) == true {
            queue.add(pod.key)
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let pod = pods.store.get(key), !pod.isBeingDeleted else { return }
        for volume in pod[path: ["spec", "volumes"]]?.array ?? [] {
            guard let ephemeral = volume["ephemeral"], let volumeName = volume["name"]?.string else { continue }
            let claimName = "\(pod.name)-\(volumeName)"
            if claims.store.get(namespace: pod.namespace, name: claimName) != nil { continue }
            let template = ephemeral["volumeClaimTemplate"] ?? [:]
            var metadata: JSON = ["name": .string(claimName), "namespace": .string(pod.namespace),
                                  "ownerReferences": [OwnerReference.controller(of: pod, apiVersion: "v1", kind: "Pod").json]]
            if let labels = template[path: ["metadata", "labels"]], !labels.isNull { metadata["labels"] = labels }
            if let annotations = template[path: ["metadata", "annotations"]], !annotations.isNull { metadata["annotations"] = annotations }
            let claim: JSON = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata,
                               "spec": template["spec"] ?? [:]]
            do {
                _ = try await client.create(.persistentvolumeclaims.inNamespace(pod.namespace), claim)
            } catch let e as APIError where e.code == 409 {
                continue
            } catch let e as APIError {
                recorder.event(pod, kind: "Pod", apiVersion: "v1", .warning, "FailedBinding",
                               "create PVC \(claimName): \(e.message)")
                throw e
            }
        }
    }
}
