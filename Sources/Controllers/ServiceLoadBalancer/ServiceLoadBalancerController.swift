import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Gives every `type: LoadBalancer` Service without a `loadBalancerClass` an address from the cluster's pool
/// and writes it to `status.loadBalancer.ingress` with `ipMode: VIP` (what cloud-provider-kind and k3s's
/// ServiceLB do; upstream's `service-lb-controller` with a cloud provider behind it). The address needs no
/// programming here: the pool is routed from the host to the node bridge, and each node's kube-proxy
/// answers for the addresses whose Services it can serve (docs/networking.md).
///
/// A Service keeps its address while it stays a LoadBalancer; one that stops being one (another type, or a
/// class set) has the address taken back from its status. Addresses are freed by deletion alone (no
/// finalizer): the next allocation recomputes what is in use from the cache.
public final class ServiceLoadBalancerController: Reconciler, Sendable {
    let client: KubeClient
    let services: Informer
    let queue: WorkQueue<String>
    let allocator: LoadBalancerIPAllocator
    let recorder: EventRecorder?
    let logger: Logger
    /// Addresses written by this controller that the cache may not show yet (Service key → address), so two
    /// Services reconciled in quick succession never get the same one.
    let assigned = Mutex<[String: String]>([:])

    public static let name = "service-lb-controller"

    public init(client: KubeClient, informers: SharedInformers, allocator: LoadBalancerIPAllocator, recorder: EventRecorder? = nil,
                logger: Logger = Logger(label: ServiceLoadBalancerController.name)) {
        self.client = client
        self.allocator = allocator
        self.recorder = recorder
        self.logger = logger
        queue = WorkQueue<String>()
        services = informers.informer(.services)
        services.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] s, _ in self?.queue.add(s.key) },
            onUpdate: { [weak self] old, new in
                guard let self, Self.relevant(old) != Self.relevant(new) else { return }
                self.queue.add(new.key)
                if Self.wantsAddress(old) && !Self.wantsAddress(new) { self.requeuePending() }
            },
            onDelete: { [weak self] d in
                guard let self, let k = d.key else { return }
                self.forget(k)
                self.requeuePending()
            }))
    }

    /// One worker: allocation reads what every other Service holds, so reconciles must not interleave.
    public func run() async {
        await ReconcileLoop(name: "service-lb", queue: queue, reconciler: self, logger: logger).run(workers: 1, informers: [services])
    }

    func forget(_ key: String) {
        _ = assigned.withLock { $0.removeValue(forKey: key) }
    }

    /// An address came free: Services still waiting for one (perhaps given up on after their retries) try again.
    func requeuePending() {
        for s in services.store.list() where Self.wantsAddress(s) && Self.ingressIPs(s).isEmpty { queue.add(s.key) }
    }

    /// What the controller looks at: changes elsewhere (labels, endpoints' doings) do not queue it.
    static func relevant(_ s: JSON) -> [JSON?] {
        [s[path: ["spec", "type"]], s[path: ["spec", "loadBalancerClass"]], s[path: ["spec", "loadBalancerIP"]],
         s[path: ["status", "loadBalancer"]], s[path: ["metadata", "deletionTimestamp"]]]
    }

    /// True for the Services this controller serves.
    static func wantsAddress(_ s: JSON) -> Bool {
        s[path: ["spec", "type"]]?.string == "LoadBalancer" && (s[path: ["spec", "loadBalancerClass"]]?.string ?? "").isEmpty
            && !s.isBeingDeleted
    }

    /// The IPs in a Service's `status.loadBalancer.ingress`.
    static func ingressIPs(_ s: JSON) -> [String] {
        (s[path: ["status", "loadBalancer", "ingress"]]?.array ?? []).compactMap { $0["ip"]?.string }
    }

    /// Every pool address held by a Service other than `key`: in the cache's statuses or just assigned.
    func addressesInUse(except key: String) -> Set<String> {
        var used = Set<String>()
        for s in services.store.list() where s.key != key && Self.wantsAddress(s) {
            used.formUnion(Self.ingressIPs(s).filter(allocator.isAllocatable))
        }
        assigned.withLock { for (k, ip) in $0 where k != key { used.insert(ip) } }
        return used
    }

    public func reconcile(_ key: String) async throws {
        guard let service = services.store.get(key) else {
            forget(key)
            return
        }
        let current = Self.ingressIPs(service)
        guard Self.wantsAddress(service) else {
            forget(key)
            // Only take back what came from this pool: another implementation's status is not ours to clear.
            if !service.isBeingDeleted, !current.isEmpty, current.allSatisfy(allocator.isAllocatable) {
                try await writeStatus(service, ingress: [])
                requeuePending()
            }
            return
        }
        let inUse = addressesInUse(except: key)
        let requested = service[path: ["spec", "loadBalancerIP"]]?.string
        // Keep what the Service has if it is ours, unclaimed by an older holder, and still what it asks for.
        if current.count == 1, let ip = current.first, allocator.isAllocatable(ip), !inUse.contains(ip),
           requested.map({ $0.isEmpty || $0 == ip }) ?? true {
            assigned.withLock { $0[key] = ip }
            if Self.ingress(service).first?["ipMode"]?.string != "VIP" { try await writeStatus(service, ingress: [ip]) }
            return
        }
        recorder?.event(service, kind: "Service", apiVersion: "v1", .normal, "EnsuringLoadBalancer", "Ensuring load balancer")
        switch allocator.allocate(requested: requested, inUse: inUse) {
        case .success(let ip):
            assigned.withLock { $0[key] = ip }
            try await writeStatus(service, ingress: [ip])
            logger.info("service \(key): load balancer address \(ip)")
            recorder?.event(service, kind: "Service", apiVersion: "v1", .normal, "EnsuredLoadBalancer", "Ensured load balancer")
        case .failure(let why):
            // Upstream's wording for a cloud that could not make the balancer; retried with back-off.
            recorder?.event(service, kind: "Service", apiVersion: "v1", .warning, "SyncLoadBalancerFailed",
                            "Error syncing load balancer: failed to ensure load balancer: \(why)")
            throw why
        }
    }

    static func ingress(_ s: JSON) -> [JSON] { s[path: ["status", "loadBalancer", "ingress"]]?.array ?? [] }

    /// Replaces `status.loadBalancer` through the status subresource, guarded by the resourceVersion read.
    func writeStatus(_ service: JSON, ingress ips: [String]) async throws {
        var updated = service
        let entries: [JSON] = ips.map { ["ip": .string($0), "ipMode": "VIP"] }
        let balancer: JSON = ips.isEmpty ? [:] : ["ingress": .array(entries)]
        updated[path: ["status", "loadBalancer"]] = balancer
        do {
            try await client.update(.services.inNamespace(service.namespace), updated, subresource: "status")
        } catch let e as APIError where e.code == 404 {
            forget(service.key)
        }
    }
}
