import APIMachinery
import Client

/// The pod event handlers of a controller that owns pods (upstream's `addPod`/`updatePod`/`deletePod`,
/// which the ReplicaSet, StatefulSet and DaemonSet controllers each repeat): they map a pod to the key of
/// the object that controls it — through its controller reference when it has one, otherwise to every
/// owner whose selector matches it, as a candidate to adopt it — lower the controller's expectations as
/// its own creations and deletions show up, and queue the key. The handlers only queue; `reconcile` reads
/// the caches afresh, whatever event brought it there.
struct OwnedPodEvents: Sendable {
    /// The owners' kind and the API groups a controller reference to them may name.
    let kind: String
    let groups: Set<String>
    /// The owners' informer.
    let owners: Informer
    /// An owner's pod selector; owners whose selector cannot be read, or selects everything, adopt nothing.
    let selector: @Sendable (JSON) throws -> LabelSelector
    let queue: WorkQueue<String>
    /// Counts creations and deletions the controller waits to see; nil for controllers without them
    /// (the StatefulSet's pods have fixed names, so a creation cannot be doubled).
    let expectations: ControllerExpectations?

    init(kind: String, groups: Set<String>, owners: Informer, queue: WorkQueue<String>, expectations: ControllerExpectations?,
         selector: @escaping @Sendable (JSON) throws -> LabelSelector = { try LabelSelector(labelSelector: $0[path: ["spec", "selector"]]) }) {
        self.kind = kind
        self.groups = groups
        self.owners = owners
        self.queue = queue
        self.expectations = expectations
        self.selector = selector
    }

    /// Registers the three handlers on the pod informer.
    func register(on pods: Informer) {
        let events = self
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { pod, _ in events.podAdded(pod) },
            onUpdate: { old, new in events.podUpdated(old: old, new: new) },
            onDelete: { d in events.podDeleted(d.object) }))
    }

    /// The owner a controller reference names, if it is in the cache with that UID.
    func resolve(_ ref: OwnerReference, namespace: String) -> JSON? {
        guard ref.kind == kind, groups.contains(ref.group) else { return nil }
        guard let owner = owners.store.get(namespace: namespace, name: ref.name), owner.uid == ref.uid else { return nil }
        return owner
    }

    /// Owners in the object's namespace whose selector matches its labels: candidates to adopt it.
    func ownersSelecting(_ object: JSON) -> [JSON] {
        let labels = object.labels
        guard !labels.isEmpty else { return [] }
        return ((try? owners.store.byIndex(Indexer.namespaceIndex, object.namespace)) ?? []).filter { owner in
            guard let sel = try? selector(owner), !sel.isEverything else { return false }
            return sel.matches(labels)
        }
    }

    func podAdded(_ pod: JSON) {
        if pod.isBeingDeleted {
            // A restarted controller seeing a pod already on its way out: a deletion, for expectations.
            podDeleted(pod)
            return
        }
        if let ref = pod.controllerRef {
            guard let owner = resolve(ref, namespace: pod.namespace) else { return }
            expectations?.creationObserved(owner.key)
            queue.add(owner.key)
            return
        }
        for owner in ownersSelecting(pod) { queue.add(owner.key) }
    }

    func podUpdated(old: JSON, new: JSON) {
        // A periodic resync: nothing changed.
        if old.resourceVersion == new.resourceVersion { return }
        let labelsChanged = old.labels != new.labels
        if new.isBeingDeleted {
            // A graceful deletion shows as an update first: count it as soon as it starts.
            podDeleted(new)
            if labelsChanged { podDeleted(old) }
            return
        }
        let oldRef = old.controllerRef, newRef = new.controllerRef
        if oldRef != newRef, let oldRef, let owner = resolve(oldRef, namespace: old.namespace) {
            // Released: the old owner may need a replacement.
            queue.add(owner.key)
        }
        if let newRef {
            guard let owner = resolve(newRef, namespace: new.namespace) else { return }
            queue.add(owner.key)
            // A pod that just became ready becomes available minReadySeconds later: look again then.
            let minReady = owner.integer(at: ["spec", "minReadySeconds"])
            if minReady > 0, !PodState.isReady(old), PodState.isReady(new) {
                queue.addAfter(owner.key, .seconds(minReady) + .seconds(1))
            }
            return
        }
        if labelsChanged || oldRef != newRef {
            for owner in ownersSelecting(new) { queue.add(owner.key) }
        }
    }

    func podDeleted(_ pod: JSON) {
        guard let ref = pod.controllerRef, let owner = resolve(ref, namespace: pod.namespace) else { return }
        expectations?.deletionObserved(owner.key, podKey: pod.key)
        queue.add(owner.key)
    }
}
