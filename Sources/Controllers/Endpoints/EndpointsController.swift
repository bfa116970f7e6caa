import APIMachinery
import Client
import Foundation
import Logging

/// Keeps the legacy `Endpoints` object of every Service with a selector (upstream's endpoints
/// controller): ready pod addresses under `addresses`, the others under `notReadyAddresses`, grouped
/// into subsets by the ports they serve. `kubectl get endpoints` and older proxies read it.
public final class EndpointsController: Reconciler, Sendable {
    let client: KubeClient
    let services: Informer
    let pods: Informer
    let endpoints: Informer
    let queue = WorkQueue<String>()
    let logger: Logger

    static let headlessLabel = "service.kubernetes.io/headless"

    public init(client: KubeClient, informers: SharedInformers, logger: Logger = Logger(label: "endpoints-controller")) {
        self.client = client
        self.logger = logger
        services = informers.informer(.services)
        pods = informers.informer(.pods)
        endpoints = informers.informer(.endpoints)
        services.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] s, _ in self?.queue.add(s.key) },
            onUpdate: { [weak self] _, s in self?.queue.add(s.key) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] p, _ in self?.podChanged(p, nil) },
            onUpdate: { [weak self] old, new in if old.resourceVersion != new.resourceVersion { self?.podChanged(new, old) } },
            onDelete: { [weak self] d in self?.podChanged(d.object, nil) }))
        endpoints.addHandler(InformerHandlerFunctions(
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "endpoints", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [services, pods, endpoints])
    }

    func podChanged(_ pod: JSON, _ old: JSON?) {
        var keys = Set(ServiceEndpoints.serviceKeys(namespace: pod.namespace, labels: pod.labels, in: services))
        if let old, old.labels != pod.labels {
            keys.formUnion(ServiceEndpoints.serviceKeys(namespace: old.namespace, labels: old.labels, in: services))
        }
        for k in keys { queue.add(k) }
    }

    public func reconcile(_ key: String) async throws {
        guard let (ns, name) = ObjectKey.split(key), let ns else { return }
        let path = ResourcePath.endpoints.inNamespace(ns)
        guard let svc = services.store.get(key) else {
            do { try await client.delete(path, name) } catch let e as APIError where e.code == 404 {}
            return
        }
        if ServiceEndpoints.isExternalName(svc) { return }
        guard ServiceEndpoints.selector(svc) != nil else { return }

        let subsets = Self.subsets(svc, pods: ServiceEndpoints.pods(for: svc, in: pods))
        var labels = svc.labels
        if ServiceEndpoints.isHeadless(svc) { labels[Self.headlessLabel] = "" } else { labels[Self.headlessLabel] = nil }
        let current = endpoints.store.get(key)
        if let current {
            var currentLabels = current.labels
            var wantedLabels = labels
            currentLabels[Self.headlessLabel] = nil
            wantedLabels[Self.headlessLabel] = nil
            if Semantic.equal(current["subsets"], .array(subsets)) && currentLabels == wantedLabels { return }
        }
        var next: JSON = current ?? ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": .string(name), "namespace": .string(ns)]]
        next["apiVersion"] = "v1"
        next["kind"] = "Endpoints"
        next[path: ["metadata", "labels"]] = labels.isEmpty ? nil : .from(labels)
        next["subsets"] = subsets.isEmpty ? nil : .array(subsets)
        if current == nil {
            try await client.create(path, next)
        } else {
            try await client.update(path, next)
        }
    }

    /// The subsets for `svc` from its pods (upstream's `syncService` loop plus `RepackSubsets`).
    static func subsets(_ svc: JSON, pods: [JSON]) -> [JSON] {
        let publishNotReady = ServiceEndpoints.publishNotReady(svc)
        let family = ServiceEndpoints.families(svc).first ?? "IPv4"
        let ports = svc[path: ["spec", "ports"]]?.array ?? []
        var entries: [(address: JSON, ready: Bool, port: JSON?)] = []
        for pod in pods where ServiceEndpoints.shouldInclude(pod, includeTerminating: publishNotReady) {
            guard let ip = ServiceEndpoints.ip(pod, family: family) else { continue }
            var address: JSON = ["ip": .string(ip), "targetRef": ServiceEndpoints.targetRef(pod)]
            let node = PodState.nodeName(pod)
            if !node.isEmpty { address["nodeName"] = .string(node) }
            if let h = ServiceEndpoints.hostname(pod, svc) { address["hostname"] = .string(h) }
            let ready = publishNotReady || PodState.isReady(pod)
            if ports.isEmpty {
                if ServiceEndpoints.isHeadless(svc) { entries.append((address, ready, nil)) }
                continue
            }
            for sp in ports {
                guard let number = ServiceEndpoints.findPort(pod, sp) else { continue }
                var port: JSON = ["port": .int(number), "protocol": .string(sp["protocol"]?.string ?? "TCP")]
                if let n = sp["name"]?.string, !n.isEmpty { port["name"] = .string(n) }
                if let ap = sp["appProtocol"]?.string { port["appProtocol"] = .string(ap) }
                entries.append((address, ready, port))
            }
        }
        return repack(entries)
    }

    /// Groups addresses by the exact set of ports they serve, ready beating not-ready for the same
    /// address, and orders everything deterministically (upstream's `RepackSubsets` + `SortSubsets`).
    static func repack(_ entries: [(address: JSON, ready: Bool, port: JSON?)]) -> [JSON] {
        func addressKey(_ a: JSON) -> String { (a["ip"]?.string ?? "") + "/" + (a[path: ["targetRef", "uid"]]?.string ?? "") }
        var addresses: [String: JSON] = [:]
        // port (canonical text; "" for the no-port sentinel) → address key → ready
        var byPort: [String: [String: Bool]] = [:]
        var portValues: [String: JSON] = [:]
        for e in entries {
            let k = addressKey(e.address)
            if addresses[k] == nil { addresses[k] = e.address }
            let pk = e.port?.jsonString ?? ""
            if let p = e.port { portValues[pk] = p }
            var set = byPort[pk] ?? [:]
            set[k] = (set[k] ?? false) || e.ready
            byPort[pk] = set
        }
        // address set (canonical text) → ports
        var groups: [String: (set: [String: Bool], ports: [JSON])] = [:]
        for (pk, set) in byPort {
            let gk = set.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            var g = groups[gk] ?? (set, [])
            if let p = portValues[pk] { g.ports.append(p) }
            groups[gk] = g
        }
        func ipLess(_ a: JSON, _ b: JSON) -> Bool {
            let ia = a["ip"]?.string ?? "", ib = b["ip"]?.string ?? ""
            if ia != ib { return ia < ib }  // bytewise, as upstream's LessEndpointAddress
            return (a[path: ["targetRef", "uid"]]?.string ?? "") < (b[path: ["targetRef", "uid"]]?.string ?? "")
        }
        var subsets: [JSON] = []
        for g in groups.values {
            let ready = g.set.filter { $0.value }.keys.compactMap { addresses[$0] }.sorted(by: ipLess)
            let notReady = g.set.filter { !$0.value }.keys.compactMap { addresses[$0] }.sorted(by: ipLess)
            var s: JSON = [:]
            if !ready.isEmpty { s["addresses"] = .array(ready) }
            if !notReady.isEmpty { s["notReadyAddresses"] = .array(notReady) }
            let ports = g.ports.sorted {
                let a = ($0["port"]?.int ?? 0, $0["name"]?.string ?? "", $0["protocol"]?.string ?? "")
                let b = ($1["port"]?.int ?? 0, $1["name"]?.string ?? "", $1["protocol"]?.string ?? "")
                return a < b
            }
            if !ports.isEmpty { s["ports"] = .array(ports) }
            subsets.append(s)
        }
        return subsets.sorted { a, b in
            let fa = (a["addresses"]?.array ?? a["notReadyAddresses"]?.array ?? []).first ?? [:]
            let fb = (b["addresses"]?.array ?? b["notReadyAddresses"]?.array ?? []).first ?? [:]
            if fa != fb { return ipLess(fa, fb) }
            return (a["ports"]?.jsonString ?? "") < (b["ports"]?.jsonString ?? "")
        }
    }
}
