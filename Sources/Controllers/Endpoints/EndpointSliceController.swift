import APIMachinery
import Client
import Foundation
import Logging

/// Keeps the EndpointSlices of every Service with a selector (upstream's endpointslice controller):
/// one endpoint per backing pod with an IP, with ready/serving/terminating conditions, node, zone and a
/// reference to the pod, in slices of at most `maxEndpointsPerSlice` that share one port list.
///
/// The slices are labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
/// endpointslice-controller.k8s.io` and owned by the Service, so deleting the Service lets the garbage
/// collector remove them. A Service with no endpoints keeps one empty placeholder slice, as upstream.
public final class EndpointSliceController: Reconciler, Sendable {
    public static let managedBy = "endpointslice-controller.k8s.io"
    static let serviceNameLabel = "kubernetes.io/service-name"
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let headlessLabel = "service.kubernetes.io/headless"
    static let zoneLabel = "topology.kubernetes.io/zone"

    let client: KubeClient
    let services: Informer
    let pods: Informer
    let slices: Informer
    let nodes: Informer
    let queue = WorkQueue<String>()
    let tracker = SliceTracker()
    let maxEndpointsPerSlice: Int
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, maxEndpointsPerSlice: Int = 100,
                logger: Logger = Logger(label: "endpointslice-controller")) {
        self.client = client
        self.maxEndpointsPerSlice = max(1, maxEndpointsPerSlice)
        self.logger = logger
        services = informers.informer(.services)
        pods = informers.informer(.pods)
        slices = informers.informer(.endpointslices)
        nodes = informers.informer(.nodes)
        services.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] s, _ in self?.queue.add(s.key) },
            onUpdate: { [weak self] _, s in self?.queue.add(s.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] p, _ in self?.podChanged(p, nil) },
            onUpdate: { [weak self] old, new in if old.resourceVersion != new.resourceVersion { self?.podChanged(new, old) } },
            onDelete: { [weak self] d in self?.podChanged(d.object, nil) }))
        let sliceChanged: @Sendable (JSON) -> Void = { [weak self] s in
            guard s.labels[Self.managedByLabel] == Self.managedBy, let svc = s.labels[Self.serviceNameLabel] else { return }
            self?.queue.add(ObjectKey.make(namespace: s.namespace, name: svc))
        }
        slices.addHandler(InformerHandlerFunctions(
            onAdd: { s, _ in sliceChanged(s) },
            onUpdate: { _, s in sliceChanged(s) },
            onDelete: { d in sliceChanged(d.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "endpointslice", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [services, pods, slices, nodes])
    }

    func podChanged(_ pod: JSON, _ old: JSON?) {
        var keys = Set(ServiceEndpoints.serviceKeys(namespace: pod.namespace, labels: pod.labels, in: services))
        if let old, old.labels != pod.labels {
            keys.formUnion(ServiceEndpoints.serviceKeys(namespace: old.namespace, labels: old.labels, in: services))
        }
        for k in keys { queue.add(k) }
    }

    /// The slices this controller manages for the Service `namespace/name`.
    func managedSlices(namespace: String, service: String) -> [JSON] {
        ((try? slices.store.byIndex(Indexer.namespaceIndex, namespace)) ?? []).filter {
            $0.labels[Self.serviceNameLabel] == service && $0.labels[Self.managedByLabel] == Self.managedBy
        }.sorted { $0.name < $1.name }
    }

    public func reconcile(_ key: String) async throws {
        guard let (ns, name) = ObjectKey.split(key), let ns else { return }
        // A deleted Service's slices are garbage-collected through their owner reference.
        guard let svc = services.store.get(key) else {
            tracker.forget(key)
            return
        }
        if ServiceEndpoints.isExternalName(svc) || ServiceEndpoints.selector(svc) == nil { return }
        let backing = ServiceEndpoints.pods(for: svc, in: pods)
        let existing = managedSlices(namespace: ns, service: name)
        // Retried (with backoff) until the cache shows our own last writes.
        try tracker.checkFresh(key, cached: existing)
        var keep = Set<String>()
        for family in ServiceEndpoints.families(svc) {
            let mine = existing.filter { ($0["addressType"]?.string ?? "") == family }
            let kept = try await reconcile(svc, family: family, pods: backing, existing: mine)
            keep.formUnion(kept)
        }
        for slice in existing where !keep.contains(slice.name) {
            do { try await client.delete(.endpointslices.inNamespace(ns), slice.name) } catch let e as APIError where e.code == 404 {}
            tracker.deleted(key, name: slice.name)
        }
    }

    /// Brings the slices of one address family in line; returns the names of the slices kept.
    func reconcile(_ svc: JSON, family: String, pods: [JSON], existing: [JSON]) async throws -> Set<String> {
        // Desired endpoints, grouped by the exact port list they serve.
        var groups: [String: (ports: [JSON], endpoints: [JSON])] = [:]
        for pod in pods where ServiceEndpoints.shouldInclude(pod, includeTerminating: true) {
            guard let endpoint = endpoint(pod, svc, family: family) else { continue }
            let ports = Self.endpointPorts(svc, pod)
            let k = JSON.array(ports).jsonString
            var g = groups[k] ?? (ports, [])
            g.endpoints.append(endpoint)
            groups[k] = g
        }
        var available = existing
        var kept = Set<String>()
        if groups.isEmpty {
            // The placeholder: one slice without endpoints, so that consumers see the Service is known.
            let slice = available.first
            try await write(svc, family: family, ports: [], endpoints: [], over: slice)
            if let slice { kept.insert(slice.name) }
            return kept
        }
        for k in groups.keys.sorted() {
            let g = groups[k]!
            let chunks = stride(from: 0, to: g.endpoints.count, by: maxEndpointsPerSlice).map {
                Array(g.endpoints[$0..<min($0 + maxEndpointsPerSlice, g.endpoints.count)])
            }
            for chunk in chunks {
                // Prefer a slice that already has these ports, then any spare one.
                let index = available.firstIndex { Semantic.equal($0["ports"], .array(g.ports)) } ?? available.indices.first
                let slice = index.map { available.remove(at: $0) }
                try await write(svc, family: family, ports: g.ports, endpoints: chunk, over: slice)
                if let slice { kept.insert(slice.name) }
            }
        }
        return kept
    }

    /// Creates a slice, or updates `existing` when its content differs.
    func write(_ svc: JSON, family: String, ports: [JSON], endpoints: [JSON], over existing: JSON?) async throws {
        let labels = Self.labels(svc)
        let path = ResourcePath.endpointslices.inNamespace(svc.namespace)
        if var slice = existing {
            if Semantic.equal(slice["endpoints"], .array(endpoints)) && Semantic.equal(slice["ports"], .array(ports))
                && slice.labels == labels && slice.controllerRef?.uid == svc.uid {
                return
            }
            slice["apiVersion"] = "discovery.k8s.io/v1"
            slice["kind"] = "EndpointSlice"
            slice[path: ["metadata", "labels"]] = .from(labels)
            slice[path: ["metadata", "ownerReferences"]] = [Self.ownerRef(svc)]
            slice["endpoints"] = .array(endpoints)
            slice["ports"] = .array(ports)
            tracker.wrote(svc.key, try await client.update(path, slice))
            return
        }
        let slice: JSON = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": [
                "generateName": .string(Self.namePrefix(svc.name)), "namespace": .string(svc.namespace),
                "labels": .from(labels), "ownerReferences": [Self.ownerRef(svc)],
            ],
            "addressType": .string(family), "endpoints": .array(endpoints), "ports": .array(ports),
        ]
        tracker.wrote(svc.key, try await client.create(path, slice))
    }

    static func ownerRef(_ svc: JSON) -> JSON {
        OwnerReference.controller(of: svc, apiVersion: "v1", kind: "Service").json
    }

    /// `<service>-`, shortened so the generated name stays a valid name (upstream's
    /// `getEndpointSliceNamePrefix`).
    static func namePrefix(_ service: String) -> String {
        let prefix = service + "-"
        return prefix.count > 58 ? String(prefix.prefix(58)) : prefix
    }

    /// The Service's labels, with the controller's own on top.
    static func labels(_ svc: JSON) -> [String: String] {
        var l = svc.labels
        l[headlessLabel] = nil
        l[serviceNameLabel] = svc.name
        l[managedByLabel] = managedBy
        if ServiceEndpoints.isHeadless(svc) { l[headlessLabel] = "" }
        return l
    }

    /// The ports a pod serves for the Service, in the Service's order (upstream's `getEndpointPorts`).
    static func endpointPorts(_ svc: JSON, _ pod: JSON) -> [JSON] {
        (svc[path: ["spec", "ports"]]?.array ?? []).compactMap { sp in
            guard let number = ServiceEndpoints.findPort(pod, sp) else { return nil }
            var p: JSON = ["name": .string(sp["name"]?.string ?? ""), "port": .int(number), "protocol": .string(sp["protocol"]?.string ?? "TCP")]
            if let ap = sp["appProtocol"]?.string { p["appProtocol"] = .string(ap) }
            return p
        }
    }

    /// A pod as an endpoint (upstream's `podToEndpoint`): serving when ready, ready when serving and
    /// not terminating (or the Service publishes not-ready addresses).
    func endpoint(_ pod: JSON, _ svc: JSON, family: String) -> JSON? {
        guard let ip = ServiceEndpoints.ip(pod, family: family) else { return nil }
        let serving = PodState.isReady(pod)
        let terminating = pod.isBeingDeleted
        let ready = ServiceEndpoints.publishNotReady(svc) || (serving && !terminating)
        var e: JSON = [
            "addresses": [.string(ip)],
            "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
            "targetRef": ServiceEndpoints.targetRef(pod),
        ]
        let node = PodState.nodeName(pod)
        if !node.isEmpty {
            e["nodeName"] = .string(node)
            if let zone = nodes.store.get(node)?.labels[Self.zoneLabel], !zone.isEmpty { e["zone"] = .string(zone) }
        }
        if let h = ServiceEndpoints.hostname(pod, svc) { e["hostname"] = .string(h) }
        return e
    }
}
