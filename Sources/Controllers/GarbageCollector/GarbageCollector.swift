import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// A kind the garbage collector watches: its objects can be owners and dependents.
public struct GCResource: Sendable, Hashable {
    public var resource: ResourcePath
    public var kind: String
    public var namespaced: Bool

    public init(_ resource: ResourcePath, kind: String, namespaced: Bool = true) {
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    /// What Skiff's controllers own and are owned by.
    public static let defaults: [GCResource] = [
        GCResource(.pods, kind: "Pod"),
        GCResource(.replicasets, kind: "ReplicaSet"),
        GCResource(.deployments, kind: "Deployment"),
        GCResource(.statefulsets, kind: "StatefulSet"),
        GCResource(.daemonsets, kind: "DaemonSet"),
        GCResource(.controllerrevisions, kind: "ControllerRevision"),
        GCResource(.persistentvolumeclaims, kind: "PersistentVolumeClaim"),
        GCResource(.jobs, kind: "Job"),
        GCResource(.cronjobs, kind: "CronJob"),
        GCResource(.services, kind: "Service"),
        GCResource(.endpointslices, kind: "EndpointSlice"),
        GCResource(.endpoints, kind: "Endpoints"),
        GCResource(.configmaps, kind: "ConfigMap"),
        GCResource(ResourcePath(resource: "secrets"), kind: "Secret"),
        GCResource(.serviceaccounts, kind: "ServiceAccount"),
        GCResource(.leases, kind: "Lease"),
        GCResource(.nodes, kind: "Node", namespaced: false),
    ]
}

/// Deletes objects whose owners are gone, and carries out foreground and orphan deletion (upstream's
/// garbage collector, with the informer caches standing in for its dependency graph).
///
/// - Background: an object all of whose owners are gone (no object with the referenced UID) is deleted.
///   An owner missing from the cache is confirmed with a live read before anything is deleted, since
///   the cache may simply not have seen a new owner yet.
/// - Foreground: an owner being deleted with the `foregroundDeletion` finalizer gets its dependents
///   deleted (in the foreground themselves when they have dependents of their own); once no dependent
///   with `blockOwnerDeletion` is left, the finalizer is removed and the owner goes.
/// - Orphan: an owner being deleted with the `orphan` finalizer has its reference removed from every
///   dependent, then the finalizer.
///
/// An object that still has one live owner keeps living; references to owners that are gone are removed
/// from it.
public final class GarbageCollector: Reconciler, Sendable {
    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    let client: KubeClient
    let resources: [GCResource]
    let informers: [Informer]
    let queue = WorkQueue<String>()
    /// UIDs of owners confirmed absent (UIDs are never reused).
    let absentOwners = Mutex<Set<String>>([])
    let logger: Logger

    public init(client: KubeClient, informers factory: SharedInformers, resources: [GCResource] = GCResource.defaults,
                logger: Logger = Logger(label: "garbage-collector")) {
        self.client = client
        self.resources = resources
        self.logger = logger
        informers = resources.map {
            factory.informer($0.resource, indexers: [Indexes.ownerUID: Indexes.ownerUIDFunc, Indexes.uid: Indexes.uidFunc])
        }
        for (i, informer) in informers.enumerated() {
            informer.addHandler(InformerHandlerFunctions(
                onAdd: { [weak self] o, _ in self?.changed(i, old: nil, new: o) },
                onUpdate: { [weak self] old, new in if old.resourceVersion != new.resourceVersion { self?.changed(i, old: old, new: new) } },
                onDelete: { [weak self] d in self?.deleted(d.object) }))
        }
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "garbagecollector", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: informers)
    }

    // MARK: Keys and lookups

    static func itemKey(_ index: Int, _ object: JSON) -> String { "\(index)|\(object.key)" }

    func enqueue(_ index: Int, _ object: JSON) { queue.add(Self.itemKey(index, object)) }

    /// Every cached object (with its resource index) that names `uid` as an owner.
    func dependents(of uid: String) -> [(Int, JSON)] {
        informers.enumerated().flatMap { i, inf in ((try? inf.store.byIndex(Indexes.ownerUID, uid)) ?? []).map { (i, $0) } }
    }

    /// Every cached object with this UID.
    func cached(uid: String) -> [(Int, JSON)] {
        informers.enumerated().flatMap { i, inf in ((try? inf.store.byIndex(Indexes.uid, uid)) ?? []).map { (i, $0) } }
    }

    static func hasFinalizer(_ o: JSON, _ f: String) -> Bool { o.finalizers.contains(f) }

    static func isDeletingDependents(_ o: JSON) -> Bool { o.isBeingDeleted && hasFinalizer(o, foregroundFinalizer) }

    // MARK: Event handlers

    func changed(_ index: Int, old: JSON?, new: JSON) {
        if !new.ownerReferences.isEmpty { enqueue(index, new) }
        if new.isBeingDeleted {
            enqueue(index, new)
            // Foreground/orphan deletion starts: every dependent needs looking at.
            if Self.hasFinalizer(new, Self.foregroundFinalizer) || Self.hasFinalizer(new, Self.orphanFinalizer) {
                for (i, d) in dependents(of: new.uid) { enqueue(i, d) }
            }
        }
        // An owner waiting for its dependents may be done when one of them drops the reference.
        if let old {
            let removed = Set(old.ownerReferences.map(\.uid)).subtracting(new.ownerReferences.map(\.uid))
            for uid in removed { wakeWaitingOwner(uid) }
        }
    }

    func deleted(_ object: JSON) {
        for (i, d) in dependents(of: object.uid) { enqueue(i, d) }
        for ref in object.ownerReferences { wakeWaitingOwner(ref.uid) }
    }

    func wakeWaitingOwner(_ uid: String) {
        for (i, owner) in cached(uid: uid) where owner.isBeingDeleted { enqueue(i, owner) }
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let bar = key.firstIndex(of: "|"), let index = Int(key[..<bar]), informers.indices.contains(index) else { return }
        let objectKey = String(key[key.index(after: bar)...])
        guard let object = informers[index].store.get(objectKey) else { return }
        if object.isBeingDeleted {
            if Self.hasFinalizer(object, Self.orphanFinalizer) {
                try await orphanDependents(index, object)
            } else if Self.hasFinalizer(object, Self.foregroundFinalizer) {
                try await deleteDependents(index, object)
            }
            return
        }
        try await collect(index, object)
    }

    enum OwnerState {
        case present(JSON)
        case absent
        /// Not a kind this collector knows: it cannot tell, so it assumes the owner exists.
        case unknown
    }

    func lookupOwner(_ ref: OwnerReference, dependent: JSON, dependentResource: GCResource) async throws -> OwnerState {
        guard let ownerIndex = resources.firstIndex(where: { $0.kind == ref.kind && $0.resource.group == ref.group }) else {
            return .unknown
        }
        let ownerResource = resources[ownerIndex]
        if ownerResource.namespaced && !dependentResource.namespaced { return .absent }
        if absentOwners.withLock({ $0.contains(ref.uid) }) { return .absent }
        if let owner = ((try? informers[ownerIndex].store.byIndex(Indexes.uid, ref.uid)) ?? []).first {
            return .present(owner)
        }
        // Not cached (yet?): ask the API server before believing it gone.
        let path = ownerResource.resource.inNamespace(ownerResource.namespaced ? dependent.namespace : nil)
        do {
            let live = try await client.get(path, ref.name)
            if live.uid == ref.uid { return .present(live) }
        } catch let e as APIError where e.code == 404 {
        }
        absentOwners.withLock { set in
            // Bounded: forgetting only costs another live read.
            if set.count >= 10_000 { set.removeAll() }
            set.insert(ref.uid)
        }
        return .absent
    }

    /// Upstream's `attemptToDeleteItem` for an object that is not being deleted.
    func collect(_ index: Int, _ object: JSON) async throws {
        let refs = object.ownerReferences
        guard !refs.isEmpty else { return }
        var solid: [OwnerReference] = [], dangling: [OwnerReference] = [], waiting: [OwnerReference] = []
        for ref in refs {
            switch try await lookupOwner(ref, dependent: object, dependentResource: resources[index]) {
            case .unknown: solid.append(ref)
            case .absent: dangling.append(ref)
            case .present(let owner):
                if Self.isDeletingDependents(owner) { waiting.append(ref) } else { solid.append(ref) }
            }
        }
        let path = resources[index].resource.inNamespace(resources[index].namespaced ? object.namespace : nil)
        if !solid.isEmpty {
            let drop = Set((dangling + waiting).map(\.uid))
            guard !drop.isEmpty else { return }
            let kept = (object[path: ["metadata", "ownerReferences"]]?.array ?? []).filter { !drop.contains($0["uid"]?.string ?? "") }
            logger.debug("removing dangling owner references from \(object.key)")
            try await patchIgnoringNotFound(path, object, ["metadata": ["ownerReferences": .array(kept), "resourceVersion": .string(object.resourceVersion)]])
            return
        }
        let policy: String
        if !waiting.isEmpty && !dependents(of: object.uid).isEmpty {
            // Owners wait for this object, and it has dependents of its own: delete it in the foreground too.
            policy = "Foreground"
        } else if Self.hasFinalizer(object, Self.orphanFinalizer) {
            policy = "Orphan"
        } else if Self.hasFinalizer(object, Self.foregroundFinalizer) {
            policy = "Foreground"
        } else {
            policy = "Background"
        }
        logger.debug("deleting \(resources[index].kind) \(object.key) (owners gone), propagation \(policy)")
        let options: JSON = ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(policy),
                             "preconditions": ["uid": .string(object.uid)]]
        do {
            try await client.delete(path, object.name, options: options)
        } catch let e as APIError where e.code == 404 || e.code == 409 {
            // Gone already, or replaced by a new object of the same name.
        }
    }

    /// Foreground deletion of `owner`: delete its dependents, then drop the finalizer.
    func deleteDependents(_ index: Int, _ owner: JSON) async throws {
        let deps = dependents(of: owner.uid)
        let blocking = deps.filter { _, d in d.ownerReferences.contains { $0.uid == owner.uid && $0.blockOwnerDeletion } }
        if blocking.isEmpty {
            try await removeFinalizer(index, owner, Self.foregroundFinalizer)
            return
        }
        for (i, d) in deps where !Self.isDeletingDependents(d) { enqueue(i, d) }
    }

    /// Orphan deletion of `owner`: remove it from its dependents' owner references, then the finalizer.
    func orphanDependents(_ index: Int, _ owner: JSON) async throws {
        for (i, d) in dependents(of: owner.uid) {
            let kept = (d[path: ["metadata", "ownerReferences"]]?.array ?? []).filter { $0["uid"]?.string != owner.uid }
            let path = resources[i].resource.inNamespace(resources[i].namespaced ? d.namespace : nil)
            try await patchIgnoringNotFound(path, d, ["metadata": ["ownerReferences": kept.isEmpty ? .null : .array(kept),
                                                                   "resourceVersion": .string(d.resourceVersion)]])
        }
        try await removeFinalizer(index, owner, Self.orphanFinalizer)
    }

    func removeFinalizer(_ index: Int, _ object: JSON, _ finalizer: String) async throws {
        let remaining = object.finalizers.filter { $0 != finalizer }
        let path = resources[index].resource.inNamespace(resources[index].namespaced ? object.namespace : nil)
        try await patchIgnoringNotFound(path, object, ["metadata": [
            "finalizers": remaining.isEmpty ? .null : .array(remaining.map { .string($0) }),
            "resourceVersion": .string(object.resourceVersion),
        ]])
    }

    func patchIgnoringNotFound(_ path: ResourcePath, _ object: JSON, _ patch: JSON) async throws {
        do {
            try await client.patch(path, object.name, patch)
        } catch let e as APIError where e.code == 404 {
        }
    }
}
