import APIMachinery
import Client
import Foundation
import Logging

/// How a kubelet is set up.
public struct KubeletOptions: Sendable {
    public var node: NodeConfig
    /// JSON list of `StaticPod`s whose mirror pods this node shows (control-plane components).
    public var staticPods: URL?
    /// How often the node Lease is renewed (upstream: a quarter of the 40 s lease).
    public var leaseRenewInterval: Duration = .seconds(10)
    public var leaseDurationSeconds: Int64 = 40
    /// How often node status is re-posted when nothing changed.
    public var statusInterval: Duration = .seconds(10)
    public var workers = 4
    /// The CRI endpoint of a real node's containerd, e.g. `unix:///run/skiff/C/N/containerd.sock`.
    public var containerRuntimeEndpoint: String?
    /// The parent cgroup of this node's pod cgroups (cgroupfs driver), e.g. `/skiff/C/N`.
    public var cgroupRoot: String?
    /// The node's network namespace, e.g. `/run/netns/skiff-N`: where containerd's streaming server listens.
    public var netnsPath: String?
    /// This node's state directory (`--root-dir`): pod logs live under `<root>/logs`.
    public var rootDirectory: URL?

    public init(node: NodeConfig, staticPods: URL? = nil) {
        self.node = node
        self.staticPods = staticPods
    }
}

/// The node agent: registers its Node, keeps its Lease fresh, and runs the pods bound to it through the
/// container runtime, reporting their status — upstream's kubelet, level-triggered: each pod key is synced
/// from the informer cache, whatever event queued it.
public final class Kubelet: Sendable {
    let client: KubeClient
    let options: KubeletOptions
    let runtime: any ContainerRuntime
    let logger: Logger
    let pods: Informer
    let queue = WorkQueue<String>()
    let ips: PodIPAllocator
    /// Pods the runtime was asked to run, by key → uid: how a deletion is noticed once the API forgot the pod.
    let known = KnownPods()

    public init(client: KubeClient, options: KubeletOptions, runtime: any ContainerRuntime, logger: Logger) throws {
        self.client = client
        self.options = options
        self.runtime = runtime
        self.logger = logger
        guard let ips = PodIPAllocator(cidr: options.node.podCIDR) else {
            throw APIError.badRequest("invalid pod CIDR \(options.node.podCIDR)")
        }
        self.ips = ips
        pods = Informer(client: client, resource: .pods, fieldSelector: "spec.nodeName=\(options.node.name)", logger: logger)
    }

    var nodeName: String { options.node.name }

    public func run() async throws {
        try await register()
        let queue = self.queue
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { obj, _ in if let k = ObjectKey.of(obj) { queue.add(k) } },
            onUpdate: { _, obj in if let k = ObjectKey.of(obj) { queue.add(k) } },
            onDelete: { del in if let k = ObjectKey.of(del.object) { queue.add(k) } }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.pods.run() }
            group.addTask { await self.heartbeat() }
            group.addTask {
                _ = await self.pods.waitForSync()
                self.adoptExisting()
                await self.staticPodLoop()
            }
            for _ in 0..<max(options.workers, 1) {
                group.addTask {
                    _ = await self.pods.waitForSync()
                    await self.worker()
                }
            }
            // Loops that have nothing to do (no static pods) end early; the kubelet runs until cancelled.
            try await withTaskCancellationHandler {
                try await group.waitForAll()
            } onCancel: {
                queue.shutDown()
            }
        }
    }

    // MARK: Node

    func register() async throws {
        let now = RFC3339.time()
        var backoff = Duration.milliseconds(200)
        while true {
            do {
                try await client.create(.nodes, options.node.registration(now: now))
                logger.info("registered node \(nodeName)")
                return
            } catch let e as APIError where e.code == 409 {
                // Already registered (a restart): bring labels, taints and status up to date.
                let existing = try await client.get(.nodes, nodeName)
                var node = existing
                let fresh = options.node.registration(now: now)
                node[path: ["metadata", "labels"]] = fresh[path: ["metadata", "labels"]]
                node[path: ["spec", "podCIDR"]] = fresh[path: ["spec", "podCIDR"]]
                node[path: ["spec", "podCIDRs"]] = fresh[path: ["spec", "podCIDRs"]]
                try await client.update(.nodes, node)
                try await postNodeStatus()
                logger.info("node \(nodeName) already registered; updated it")
                return
            } catch {
                logger.warning("cannot register node \(nodeName) yet: \(error)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    func postNodeStatus() async throws {
        let current = try await client.get(.nodes, nodeName)
        let status = options.node.status(ready: true, now: RFC3339.time(), previous: current["status"])
        try await client.patch(.nodes, nodeName, ["status": status], type: "application/merge-patch+json", subresource: "status")
    }

    /// Lease renewal and periodic node status, until cancelled.
    func heartbeat() async {
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            do {
                try await renewLease()
                if ContinuousClock.now - lastStatus >= options.statusInterval {
                    try await postNodeStatus()
                    lastStatus = .now
                }
            } catch {
                logger.warning("heartbeat failed: \(error)")
            }
            try? await Task.sleep(for: options.leaseRenewInterval)
        }
    }

    func renewLease() async throws {
        let path = ResourcePath.leases.inNamespace("kube-node-lease")
        let now = RFC3339.microTime()
        do {
            try await client.patch(path, nodeName, ["spec": ["renewTime": .string(now), "holderIdentity": .string(nodeName)]])
        } catch let e as APIError where e.code == 404 {
            let node = try await client.get(.nodes, nodeName)
            let lease: JSON = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(nodeName), "namespace": "kube-node-lease",
                             "ownerReferences": [["apiVersion": "v1", "kind": "Node", "name": .string(nodeName),
                                                  "uid": node[path: ["metadata", "uid"]] ?? ""]]],
                "spec": ["holderIdentity": .string(nodeName), "leaseDurationSeconds": .int(options.leaseDurationSeconds),
                         "renewTime": .string(now)],
            ]
            try await client.create(path, lease)
        }
    }

    // MARK: Pods

    /// At start-up: keep the addresses of pods that already run here.
    func adoptExisting() {
        for pod in pods.store.list() {
            guard let uid = pod[path: ["metadata", "uid"]]?.string, let ip = pod[path: ["status", "podIP"]]?.string else { continue }
            ips.reserve(ip, for: uid)
        }
    }

    func worker() async {
        while let key = await queue.get() {
            do {
                try await syncPod(key)
                queue.forget(key)
            } catch {
                logger.warning("sync of pod \(key) failed: \(error); retrying")
                queue.addRateLimited(key)
            }
            queue.done(key)
        }
    }

    func syncPod(_ key: String) async throws {
        guard let (namespace, name) = ObjectKey.split(key).map({ ($0.namespace ?? "default", $0.name) }) else { return }
        let path = ResourcePath.pods.inNamespace(namespace)
        guard let pod = pods.store.get(key) else {
            // Gone from the API: make sure nothing of it still runs.
            if let uid = known.remove(key) {
                try await runtime.killPod(uid: uid, gracePeriod: 0)
                ips.release(owner: uid)
                logger.info("pod \(key) was removed from the API; stopped its containers and removed its sandbox")
            }
            return
        }
        if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil { return }
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        if let oldUID = known.uid(of: key), oldUID != uid {
            // Same name, new pod: the old one's containers go first.
            try await runtime.killPod(uid: oldUID, gracePeriod: 0)
            ips.release(owner: oldUID)
            known.remove(key)
        }

        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            let grace = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.int ?? 30
            logger.info("killing pod \(key): deletion requested (grace period \(grace)s); stopping its containers")
            try await runtime.killPod(uid: uid, gracePeriod: grace)
            ips.release(owner: uid)
            known.remove(key)
            do {
                try await client.delete(path, name, options: ["gracePeriodSeconds": 0, "preconditions": ["uid": .string(uid)]])
                logger.info("deleted pod \(key): containers stopped, sandbox removed")
            } catch let e as APIError where e.code == 404 || e.code == 409 {
                return
            }
            return
        }
        let phase = pod[path: ["status", "phase"]]?.string ?? "Pending"
        if phase == "Succeeded" || phase == "Failed" { return }

        let hostIP = options.node.internalIP
        var containers = await runtime.containers(ofPod: uid)
        var podIP = pod[path: ["status", "podIP"]]?.string ?? ""
        if containers == nil {
            if podIP.isEmpty {
                logger.info("creating pod \(key): making its sandbox")
                try await patchStatus(path, name, PodStatusBuilder.creating(pod: pod, hostIP: hostIP, now: RFC3339.time()))
            }
            guard let ip = ips.allocate(for: uid) else { throw APIError.internalError("no free pod IP in \(options.node.podCIDR)") }
            podIP = ip
            containers = try await runtime.syncPod(pod, podIP: ip)
            known.set(key, uid: uid)
            for c in containers ?? [] {
                logger.info("pod \(key): started container \(c.name) (image \(c.image))")
            }
        }
        // The informer's copy may not have the address yet: the allocator holds it for this uid.
        if podIP.isEmpty { podIP = ips.allocate(for: uid) ?? "" }
        let status = PodStatusBuilder.status(pod: pod, containers: containers ?? [], hostIP: hostIP, podIP: podIP, now: RFC3339.time())
        if !sameStatus(status, pod["status"]) {
            try await patchStatus(path, name, status)
            if pod[path: ["status", "phase"]]?.string != status["phase"]?.string {
                logger.info("pod \(key) is \(status["phase"]?.string ?? "") with IP \(podIP)")
            }
        }
    }

    /// Status equality ignoring timestamps that are recomputed every sync.
    func sameStatus(_ a: JSON, _ b: JSON?) -> Bool {
        guard let b else { return false }
        func strip(_ s: JSON) -> JSON {
            var s = s
            s["startTime"] = nil
            if let conds = s["conditions"]?.array {
                s["conditions"] = .array(conds.map { var c = $0; c["lastTransitionTime"] = nil; c["lastProbeTime"] = nil; return c })
            }
            return s
        }
        return strip(a) == strip(b)
    }

    func patchStatus(_ path: ResourcePath, _ name: String, _ status: JSON) async throws {
        try await client.patch(path, name, ["status": status], type: "application/merge-patch+json", subresource: "status")
    }

    // MARK: Static pods

    /// Mirror pods for the control-plane components this node runs, with status following their processes.
    func staticPodLoop() async {
        guard let file = options.staticPods else { return }
        while !Task.isCancelled {
            for sp in StaticPod.load(file) {
                do { try await syncMirrorPod(sp) } catch { logger.warning("mirror pod \(sp.name): \(error)") }
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    func syncMirrorPod(_ sp: StaticPod) async throws {
        let path = ResourcePath.pods.inNamespace("kube-system")
        let name = "\(sp.name)-\(nodeName)"
        let pod: JSON
        do {
            pod = try await client.get(path, name)
        } catch let e as APIError where e.code == 404 {
            pod = try await client.create(path, sp.mirrorPod(node: nodeName))
            logger.info("created mirror pod kube-system/\(name)")
        }
        let running = sp.isRunning
        let c = ContainerState(
            name: sp.name, image: sp.image, containerID: "skiff://\(sp.name)",
            phase: running ? .running(startedAt: pod[path: ["status", "startTime"]]?.string ?? RFC3339.time())
                : .waiting(reason: "CrashLoopBackOff", message: "the \(sp.name) process is not running"),
            restartCount: 0, ready: running)
        let status = PodStatusBuilder.status(pod: pod, containers: [c], hostIP: options.node.internalIP, podIP: options.node.internalIP, now: RFC3339.time())
        if !sameStatus(status, pod["status"]) {
            try await patchStatus(path, name, status)
        }
    }
}

/// key → uid of the pods this kubelet started.
final class KnownPods: Sendable {
    private let map = Mutex<[String: String]>([:])
    func set(_ key: String, uid: String) { map.withLock { $0[key] = uid } }
    func uid(of key: String) -> String? { map.withLock { $0[key] } }
    @discardableResult func remove(_ key: String) -> String? { map.withLock { $0.removeValue(forKey: key) } }
}

import Synchronization
