import APIMachinery
import Client
import Foundation
import Logging
import StaticPods

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
    /// How often a running pod is re-synced against a runtime whose containers live on their own (PLEG's relist).
    public var resyncInterval: Duration = .seconds(1)
    /// How often a settled pod (all containers running, no probes) is re-synced anyway.
    public var idleResyncInterval: Duration = .seconds(10)
    /// Where pod volumes, hosts files and logs live.
    public var rootDir = URL(fileURLWithPath: "/var/lib/skiff/kubelet")
    /// The cluster DNS servers written into ClusterFirst pods' resolv.conf (upstream's `--cluster-dns`).
    public var clusterDNS: [String] = ["10.96.0.10"]
    public var clusterDomain = "cluster.local"
    /// Where pod start latency is recorded for `/metrics` (nil: nowhere).
    public var metrics: KubeletMetrics?

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
    let volumes: VolumeManager
    let envResolver: EnvResolver
    /// Writes the kubelet's Events (pods' Pulled/Created/Started/..., the node's Starting/NodeReady/...).
    let events: EventBroadcaster
    let recorder: EventRecorder
    /// True when `pods` and `events` belong to a `NodeSimulator` that runs them for many kubelets: this
    /// kubelet then neither runs them nor registers a handler, and reads only its own node's pods.
    let sharesResources: Bool

    /// `shared`: the pod watch and Event writer of a `NodeSimulator`, instead of a watch of this node's pods
    /// and a writer of its own (a thousand simulated nodes would otherwise hold a thousand watches).
    public init(client: KubeClient, options: KubeletOptions, runtime: any ContainerRuntime, logger: Logger,
                shared: KubeletSharedResources? = nil) throws {
        self.client = client
        self.options = options
        self.runtime = runtime
        self.logger = logger
        guard let ips = PodIPAllocator(cidr: options.node.podCIDR) else {
            throw APIError.badRequest("invalid pod CIDR \(options.node.podCIDR)")
        }
        self.ips = ips
        let lookup = Self.sourceLookup(client: client)
        volumes = VolumeManager(kubeletRoot: options.rootDir, tokens: Self.tokenManager(client: client),
                                claims: Self.claimLookup(client: client), lookup: lookup)
        envResolver = EnvResolver(lookup: lookup)
        events = shared?.events ?? EventBroadcaster(client: client, logger: logger)
        recorder = events.recorder(component: "kubelet", host: options.node.name)
        pods = shared?.pods ?? Informer(client: client, resource: .pods, fieldSelector: "spec.nodeName=\(options.node.name)", logger: logger)
        sharesResources = shared != nil
    }

    /// This node's pod under `key` from the watch cache (a shared cache holds every node's pods).
    func cachedPod(_ key: String) -> JSON? {
        guard let pod = pods.store.get(key) else { return nil }
        guard sharesResources else { return pod }
        return pod[path: ["spec", "nodeName"]]?.string == nodeName ? pod : nil
    }

    /// Every pod bound to this node, from the watch cache.
    func cachedPods() -> [JSON] {
        guard sharesResources else { return pods.store.list() }
        return (try? pods.store.byIndex(KubeletSharedResources.nodeIndex, nodeName)) ?? []
    }

    /// Queues a sync of the pod under `key` (the simulator's dispatch of its shared watch).
    func enqueue(_ key: String) { queue.add(key) }

    var nodeName: String { options.node.name }
    var nodeEvents: NodeEvents { NodeEvents(recorder: recorder, nodeName: nodeName) }

    public func run() async throws {
        let queue = self.queue
        if !sharesResources {
            pods.addHandler(InformerHandlerFunctions(
                onAdd: { obj, _ in if let k = ObjectKey.of(obj) { queue.add(k) } },
                onUpdate: { _, obj in if let k = ObjectKey.of(obj) { queue.add(k) } },
                onDelete: { del in if let k = ObjectKey.of(del.object) { queue.add(k) } }))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The event writer first: registering records the node's first events.
            if !sharesResources { group.addTask { await self.events.run() } }
            nodeEvents.record(.normal, "Starting", "Starting kubelet.")
            try await register()
            if !sharesResources { group.addTask { await self.pods.run() } }
            group.addTask { await self.heartbeat() }
            if runtime.needsPolling {
                group.addTask {
                    _ = await self.pods.waitForSync()
                    await self.relistLoop()
                }
            }
            group.addTask {
                _ = await self.pods.waitForSync()
                await self.adoptExisting()
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
                let node = options.node.registration(now: now)
                try await client.create(.nodes, node)
                logger.info("registered node \(nodeName)")
                nodeEvents.record(.normal, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
                nodeEvents.recordTransitions(from: nil, to: node["status"] ?? [:])
                return
            } catch let e as APIError where e.code == 409 {
                // Already registered (a restart): bring labels, taints and status up to date.
                let existing = try await client.get(.nodes, nodeName)
                var node = existing
                let fresh = options.node.registration(now: now)
                node[path: ["metadata", "labels"]] = fresh[path: ["metadata", "labels"]]
                node[path: ["spec", "podCIDR"]] = fresh[path: ["spec", "podCIDR"]]
                node[path: ["spec", "podCIDRs"]] = fresh[path: ["spec", "podCIDRs"]]
                node[path: ["status", "daemonEndpoints"]] = fresh[path: ["status", "daemonEndpoints"]]
                try await client.update(.nodes, node)
                nodeEvents.record(.normal, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
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
        var status = options.node.status(ready: true, now: RFC3339.time(), previous: current["status"])
        let images = await runtime.nodeImages()
        if !images.isEmpty {
            status["images"] = .array(images.map { ["names": .array($0.names.map(JSON.string)), "sizeBytes": .int($0.sizeBytes)] })
        }
        try await client.patch(.nodes, nodeName, ["status": status], type: "application/merge-patch+json", subresource: "status")
        nodeEvents.recordTransitions(from: current["status"], to: status)
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
    func adoptExisting() async {
        var live = Set<String>()
        for pod in cachedPods() {
            guard let uid = pod[path: ["metadata", "uid"]]?.string else { continue }
            live.insert(uid)
            if let key = ObjectKey.of(pod) { known.set(key, uid: uid) }
            if let ip = pod[path: ["status", "podIP"]]?.string { ips.reserve(ip, for: uid) }
        }
        // Pods deleted while this kubelet was down still hold containers: stop them.
        for uid in await runtime.podUIDs().subtracting(live) {
            do {
                try await stopPod(uid: uid, gracePeriod: 0)
                logger.info("removed pod \(uid): it no longer exists in the API")
            } catch {
                logger.warning("cannot remove orphaned pod \(uid): \(error)")
            }
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
        if namespace == "kube-system", let sp = staticPod(mirroredAs: name) {
            // A mirror pod changed or went (`kubectl delete pod kube-scheduler-NODE`): the component keeps
            // running, so its mirror comes back at once, as upstream's kubelet re-creates it.
            try await syncMirrorPod(sp)
            return
        }
        guard let pod = cachedPod(key) else {
            // Gone from the API: make sure nothing of it still runs.
            if let uid = known.remove(key) {
                try await stopPod(uid: uid, gracePeriod: 0)
                logger.info("pod \(key) was removed from the API; stopped its containers and removed its sandbox")
            }
            return
        }
        if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil { return }
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        if let oldUID = known.uid(of: key), oldUID != uid {
            // Same name, new pod: the old one's containers go first.
            try await stopPod(uid: oldUID, gracePeriod: 0)
            known.remove(key)
        }

        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            let grace = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.int ?? 30
            logger.info("killing pod \(key): deletion requested (grace period \(grace)s); stopping its containers")
            let podEvents = PodEvents(recorder: recorder, pod: pod)
            for (field, kind) in [("initContainerStatuses", "init"), ("containerStatuses", "app")] {
                for c in pod[path: ["status", field]]?.array ?? [] where c[path: ["state", "running"]] != nil {
                    let name = c["name"]?.string ?? ""
                    podEvents.container(name, kind: kind, .normal, "Killing", "Stopping container \(name)")
                }
            }
            // preStop handlers first, within the grace period; the containers get what is left of it, at
            // least upstream's minimum of 2 s.
            let spent = await runtime.runPreStopHooks(pod, gracePeriod: grace, events: podEvents)
            try await stopPod(uid: uid, gracePeriod: max(grace - spent.components.seconds, 2))
            known.remove(key)
            if !pod.metaFinalizersIsEmpty {
                // Finalizers (a Job's tracking finalizer) keep the pod in the API after this: like upstream's
                // kubelet, leave it terminal with its containers' ends recorded, so its owner can count it.
                try? await patchStatus(path, name, PodStatusBuilder.killed(pod: pod, now: RFC3339.time()))
            }
            do {
                try await client.delete(path, name, options: ["gracePeriodSeconds": 0, "preconditions": ["uid": .string(uid)]])
                logger.info("deleted pod \(key): containers stopped, sandbox removed")
            } catch let e as APIError where e.code == 404 || e.code == 409 {
                return
            }
            return
        }
        let phase = pod[path: ["status", "phase"]]?.string ?? "Pending"
        if phase == "Succeeded" || phase == "Failed" {
            // Finished pods keep their status; their sandbox and containers go (upstream's kubelet kills them too).
            if await runtime.podStatus(uid: uid) != nil {
                try await stopPod(uid: uid, gracePeriod: 0, keepVolumes: false)
                logger.info("pod \(key) finished (\(phase)); removed its sandbox")
            }
            return
        }

        let hostIP = options.node.internalIP
        let firstSync = known.uid(of: key) == nil && pod[path: ["status", "podIP"]]?.string == nil
        if firstSync, !runtime.startsPodsAtOnce, await runtime.podStatus(uid: uid) == nil {
            logger.info("creating pod \(key): making its sandbox")
            if pod[path: ["status", "containerStatuses"]] == nil {
                try await patchStatus(path, name, PodStatusBuilder.creating(pod: pod, hostIP: hostIP, now: RFC3339.time()))
            }
        }
        known.set(key, uid: uid)
        let runtimeStatus: PodRuntimeStatus
        do {
            runtimeStatus = try await runtime.syncPod(pod, context: try await syncContext(for: pod))
        } catch let e as VolumeSetUpError {
            // A volume that cannot be set up (a missing ConfigMap or Secret): the pod stays
            // ContainerCreating, as upstream's volume manager holds it, and says why in FailedMount.
            PodEvents(recorder: recorder, pod: pod).pod(.warning, "FailedMount", e.description)
            throw e
        } catch let e as PodConfigError {
            // A missing ConfigMap/Secret key in the environment: the containers wait, as upstream's
            // CreateContainerConfigError, and the sync is retried with back-off.
            try await patchStatus(path, name, PodStatusBuilder.configError(pod: pod, message: e.message, hostIP: hostIP, now: RFC3339.time()))
            throw e
        }
        let status = PodStatusBuilder.status(pod: pod, runtime: runtimeStatus, hostIP: hostIP,
                                             podIP: runtimeStatus.podIP ?? "", now: RFC3339.time())
        options.metrics?.podSynced(uid: uid, running: runtimeStatus.sandboxReady && !runtimeStatus.containers.isEmpty
                                   && runtimeStatus.containers.allSatisfy(\.isRunning))
        if !sameStatus(status, pod["status"]) {
            try await patchStatus(path, name, status)
            if pod[path: ["status", "phase"]]?.string != status["phase"]?.string {
                logger.info("pod \(key) is \(status["phase"]?.string ?? "") with IP \(runtimeStatus.podIP ?? "none")")
            }
        }
        let newPhase = status["phase"]?.string ?? ""
        if runtime.needsPolling, newPhase != "Succeeded", newPhase != "Failed" {
            queue.addAfter(key, Self.needsCloseWatch(pod, runtimeStatus) ? options.resyncInterval : options.idleResyncInterval)
        }
        if let after = runtimeStatus.resyncAfter, newPhase != "Succeeded", newPhase != "Failed" {
            queue.addAfter(key, after)
        }
        // Projected tokens are rewritten when due, whether or not anything else about the pod changes.
        if newPhase != "Succeeded", newPhase != "Failed", let due = volumes.tokens?.nextRefresh(podUID: uid) {
            queue.addAfter(key, .seconds(max(due.timeIntervalSinceNow, 1)))
        }
    }

    /// Pods whose next step is time-driven rather than event-driven — a probe due, a back-off ending, an
    /// init container or a container still starting — are re-synced at the short interval; the rest wait
    /// for the relist to see a change, with an idle resync as a safety net.
    static func needsCloseWatch(_ pod: JSON, _ status: PodRuntimeStatus) -> Bool {
        let specs = pod[path: ["spec", "containers"]]?.array ?? []
        if specs.contains(where: { $0["livenessProbe"] != nil || $0["readinessProbe"] != nil || $0["startupProbe"] != nil }) { return true }
        return (status.initContainers + status.containers).contains { !$0.isRunning && !($0.isTerminated && $0.exitCode == 0) }
            || !status.initContainers.allSatisfy { $0.exitCode == 0 }
    }

    /// Upstream's PLEG: relists the runtime every second and syncs the pods whose containers changed, so
    /// an exit is noticed within a second without syncing every pod every second.
    func relistLoop() async {
        var previous: [String: String] = [:]
        while !Task.isCancelled {
            if let current = await runtime.relist() {
                for (uid, fingerprint) in current where previous[uid] != fingerprint {
                    if let key = known.key(of: uid) { queue.add(key) }
                }
                previous = current
            }
            try? await Task.sleep(for: options.resyncInterval)
        }
    }

    /// Stops a pod in the runtime and frees what the kubelet holds for it.
    func stopPod(uid: String, gracePeriod: Int64, keepVolumes: Bool = false) async throws {
        try await runtime.killPod(uid: uid, gracePeriod: gracePeriod)
        options.metrics?.podRemoved(uid: uid)
        ips.release(owner: uid)
        if !keepVolumes { volumes.tearDown(uid: uid) }
    }

    /// Volumes, environment, DNS and hosts file for one sync of `pod`.
    func syncContext(for pod: JSON) async throws -> PodSyncContext {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        let volumePaths = try await volumes.setUp(pod: pod)
        let resolver = envResolver
        let hostIP = options.node.internalIP
        let reserved = runtime.providesPodNetwork ? "" : (ips.allocate(for: uid) ?? "")
        return PodSyncContext(
            volumes: volumePaths,
            environment: { container, podIP in
                do { return try await resolver.resolve(container: container, pod: pod, podIP: podIP, hostIP: hostIP) }
                catch let e as APIError { throw PodConfigError(message: e.message) }
            },
            reservedIP: reserved, hostIP: hostIP,
            dns: PodDNSPolicy.resolve(pod: pod, clusterDNS: options.clusterDNS, clusterDomain: options.clusterDomain),
            hostsFile: volumes.podDirectory(uid: uid).appendingPathComponent("etc-hosts"),
            events: PodEvents(recorder: recorder, pod: pod))
    }

    /// Projected service-account tokens, requested with the node's own credentials (upstream's kubelet may
    /// ask for tokens of the pods bound to it).
    static func tokenManager(client: KubeClient) -> ServiceAccountTokenManager {
        ServiceAccountTokenManager { namespace, serviceAccount, request in
            try await client.send(.POST, ResourcePath.serviceaccounts.inNamespace(namespace).item(serviceAccount, subresource: "token"), body: request)
        }
    }

    /// A pod's claim and, once it is bound, its PersistentVolume, read from the API at each volume set-up.
    static func claimLookup(client: KubeClient) -> VolumeManager.ClaimLookup {
        { namespace, name in
            let claim: JSON
            do {
                claim = try await client.get(.persistentvolumeclaims.inNamespace(namespace), name)
            } catch let e as APIError where e.code == 404 {
                return (nil, nil)
            }
            let volumeName = claim[path: ["spec", "volumeName"]]?.string ?? ""
            guard !volumeName.isEmpty else { return (claim, nil) }
            do {
                return (claim, try await client.get(.persistentvolumes, volumeName))
            } catch let e as APIError where e.code == 404 {
                return (claim, nil)
            }
        }
    }

    /// ConfigMaps and Secrets for environments and volumes, read from the API when a container starts.
    static func sourceLookup(client: KubeClient) -> EnvResolver.SourceLookup {
        { kind, namespace, name in
            let resource: ResourcePath = kind == .configMap ? .configmaps : .secrets
            let object: JSON
            do {
                object = try await client.get(resource.inNamespace(namespace), name)
            } catch let e as APIError where e.code == 404 {
                return nil
            }
            var data: [String: String] = [:]
            for (k, v) in object["data"]?.object ?? [:] {
                guard let text = v.string else { continue }
                if kind == .secret {
                    data[k] = Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) } ?? ""
                } else {
                    data[k] = text
                }
            }
            if kind == .configMap {
                for (k, v) in object["binaryData"]?.object ?? [:] {
                    data[k] = v.string.flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) } ?? ""
                }
            }
            return data
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

    /// The static pod whose mirror pod is called `name`, if this node runs one.
    func staticPod(mirroredAs name: String) -> StaticPod? {
        guard let file = options.staticPods else { return nil }
        return StaticPod.load(file).first { $0.mirrorName(node: nodeName) == name }
    }

    /// Keeps the static pod's mirror in the API: created when missing; when someone deleted it (it is
    /// Terminating, and no kubelet would ever finish that), removed at once and created anew.
    func syncMirrorPod(_ sp: StaticPod) async throws {
        let path = ResourcePath.pods.inNamespace("kube-system")
        let name = sp.mirrorName(node: nodeName)
        // The informer's copy: the pod is bound to this node, so the kubelet's own watch sees it.
        var existing = cachedPod("kube-system/\(name)")
        if let old = existing, old[path: ["metadata", "deletionTimestamp"]] != nil {
            let uid = old[path: ["metadata", "uid"]]?.string ?? ""
            do {
                try await client.delete(path, name, options: ["gracePeriodSeconds": 0, "preconditions": ["uid": .string(uid)]])
            } catch let e as APIError where e.code == 404 || e.code == 409 {
                // Already gone, or already replaced.
            }
            logger.info("mirror pod kube-system/\(name) was deleted; re-creating it for the running static pod")
            existing = nil
        }
        let pod: JSON
        if let existing {
            pod = existing
        } else {
            do {
                pod = try await client.create(path, sp.mirrorPod(node: nodeName))
                logger.info("created mirror pod kube-system/\(name)")
            } catch let e as APIError where e.code == 409 {
                pod = try await client.get(path, name)
            }
        }
        let running = sp.isRunning
        let c = ContainerState(
            name: sp.name, image: sp.image, containerID: "skiff://\(sp.name)",
            phase: running ? .running(startedAt: pod[path: ["status", "startTime"]]?.string ?? RFC3339.time())
                : .waiting(reason: "CrashLoopBackOff", message: "the \(sp.name) process is not running"),
            restartCount: 0, ready: running)
        let status = PodStatusBuilder.status(pod: pod, runtime: PodRuntimeStatus(podIP: options.node.internalIP, sandboxReady: true, containers: [c]),
                                             hostIP: options.node.internalIP, podIP: options.node.internalIP, now: RFC3339.time())
        if !sameStatus(status, pod["status"]) {
            try await patchStatus(path, name, status)
        }
    }
}

extension JSON {
    var metaFinalizersIsEmpty: Bool { (self[path: ["metadata", "finalizers"]]?.array ?? []).isEmpty }
}

/// key → uid of the pods this kubelet started.
final class KnownPods: Sendable {
    private let map = Mutex<[String: String]>([:])
    func set(_ key: String, uid: String) { map.withLock { $0[key] = uid } }
    func uid(of key: String) -> String? { map.withLock { $0[key] } }
    func key(of uid: String) -> String? { map.withLock { $0.first { $0.value == uid }?.key } }
    @discardableResult func remove(_ key: String) -> String? { map.withLock { $0.removeValue(forKey: key) } }
}

import Synchronization
