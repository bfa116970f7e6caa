import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Many simulated nodes in one process, as kwok runs them: each node has a real `Kubelet` (registration,
/// Lease heartbeats, pod sync through a `SimulatedRuntime`, mirror pods, Events) and a kubelet endpoint of
/// its own port, while the process holds one watch of every pod, one Event writer, one API connection pool
/// and one TLS context for them all. A node costs what its kubelet's state costs, not a process.
///
/// The set of nodes comes as a stream of desired sets: a node that appears starts, one that goes stops
/// (its Node object is left to whoever removed it, as upstream's is when a machine goes), a paused one stops
/// and keeps its runtime's pods for when it resumes.
public final class NodeSimulator: Sendable {
    /// What every node's kubelet shares.
    public struct Settings: Sendable {
        /// What each container of a simulated pod reports as used.
        public var usage = SimulatedUsage()
        public var clusterDNS: [String] = ["10.96.0.10"]
        public var clusterDomain = "cluster.local"
        /// How often a node's status is posted: upstream's nodeStatusReportFrequency (5 min, its period for an
        /// unchanged status), since the Lease says the node is alive; a thousand nodes posting every 10 s
        /// would be a hundred status writes a second for nothing. (Upstream posts a change at once; a
        /// simulated node's status only changes with the host disk's pressure.)
        public var statusInterval: Duration = .seconds(300)
        public var leaseRenewInterval: Duration = .seconds(10)
        /// The endpoints' address and TLS.
        public var endpoint: KubeletServerConfig
        public var facts = NodeFacts.current()

        public init(endpoint: KubeletServerConfig) {
            self.endpoint = endpoint
        }
    }

    struct Running {
        var spec: SimulatedNode
        /// Kept across a pause, so the node's pods are still "running" when it resumes.
        let runtime: SimulatedRuntime
        var kubelet: Kubelet?
        var task: Task<Void, Never>?
        var port: Int?
    }

    let client: KubeClient
    let settings: Settings
    let shared: KubeletSharedResources
    let endpoints: KubeletEndpointHost
    let logger: Logger
    let running = Mutex<[String: Running]>([:])

    /// `client` should bound its requests in flight (`ClientConfig.maxConcurrentRequests`): a thousand nodes
    /// registering at once would otherwise be answered 429 and back off.
    public init(client: KubeClient, settings: Settings, expectedNodes: Int, logger: Logger) throws {
        self.client = client
        self.settings = settings
        self.logger = logger
        // Room for each node's start-up Events (Starting, NodeAllocatableEnforced, NodeHasSufficient*, NodeReady).
        let events = EventBroadcaster(client: client, queueLength: max(1000, 8 * expectedNodes), writers: 4, logger: logger)
        shared = try KubeletSharedResources(pods: Informer(client: client, resource: .pods, logger: logger), events: events)
        endpoints = try KubeletEndpointHost(config: settings.endpoint, logger: logger)
    }

    /// Runs the node sets `desired` yields, until cancelled.
    public func run(_ desired: AsyncStream<[SimulatedNode]>) async {
        shared.pods.addHandler(InformerHandlerFunctions(
            onAdd: { [self] pod, _ in dispatch(pod) },
            onUpdate: { [self] old, new in
                dispatch(new)
                if old[path: ["spec", "nodeName"]] != new[path: ["spec", "nodeName"]] { dispatch(old) }
            },
            onDelete: { [self] deleted in dispatch(deleted.object) }))
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.shared.events.run() }
                group.addTask { await self.shared.pods.run() }
                group.addTask {
                    for await nodes in desired { await self.apply(nodes) }
                }
            }
        } onCancel: {
            stopAll()
        }
    }

    /// The nodes running now (not paused), by name.
    public var runningNodes: [String] {
        running.withLock { $0.values.filter { $0.task != nil }.map(\.spec.name) }.sorted()
    }

    /// The endpoint port of a running node.
    public func port(of node: String) -> Int? { running.withLock { $0[node]?.port } }

    /// Hands a pod event to the kubelet of the node it is bound to, if that node is simulated here.
    func dispatch(_ pod: JSON) {
        guard let node = pod[path: ["spec", "nodeName"]]?.string, !node.isEmpty, let key = ObjectKey.of(pod),
              let kubelet = running.withLock({ $0[node]?.kubelet }) else { return }
        kubelet.enqueue(key)
    }

    /// Moves to the desired set: new nodes start, removed ones stop, paused ones stop keeping their pods,
    /// resumed ones start again, and changed ones restart.
    func apply(_ desired: [SimulatedNode]) async {
        let wanted = Dictionary(desired.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        let current = running.withLock { $0 }
        for name in current.keys where wanted[name] == nil {
            stop(name)
            running.withLock { _ = $0.removeValue(forKey: name) }
            logger.info("stopped simulating node \(name)")
        }
        for spec in desired {
            let before = running.withLock { $0[spec.name] }
            if let before, !before.spec.needsRestart(for: spec), before.spec.paused == spec.paused { continue }
            if let before, before.task != nil {
                if before.spec.needsRestart(for: spec) { logger.info("node \(spec.name) changed: restarting its kubelet (\(before.spec) -> \(spec))") }
                stop(spec.name)
            }
            if spec.paused {
                running.withLock { $0[spec.name] = Running(spec: spec, runtime: before?.runtime ?? makeRuntime()) }
                logger.info("node \(spec.name) is paused: no heartbeat, no pod sync, no endpoint")
                continue
            }
            do {
                try await start(spec, runtime: before?.runtime ?? makeRuntime())
            } catch {
                logger.error("cannot start simulated node \(spec.name): \(error)")
            }
        }
    }

    func makeRuntime() -> SimulatedRuntime { SimulatedRuntime(usage: settings.usage) }

    /// Opens the node's endpoint, then starts its kubelet on the port it got.
    func start(_ spec: SimulatedNode, runtime: SimulatedRuntime) async throws {
        var serverConfig = settings.endpoint
        serverConfig.logPaths = PodLogPaths(kubeletRoot: spec.rootDir)
        serverConfig.staticPodsFile = spec.staticPods
        let pods = DeferredPodSource()
        let stats = NodeStatsCollector(nodeName: spec.name, pods: { pods.allPods() }, source: runtime,
                                       memoryCapacityBytes: settings.facts.memoryBytes)
        let metrics = KubeletMetrics(nodeName: spec.name, runtime: runtime)
        var nodeLogger = logger
        nodeLogger[metadataKey: "node"] = .string(spec.name)
        let server = KubeletServer(config: serverConfig, pods: pods, runtime: nil, stats: stats, metrics: metrics, logger: nodeLogger)
        let port = try await endpoints.open(server, port: spec.kubeletPort)

        var node = NodeConfig(name: spec.name, podCIDR: spec.podCIDR, internalIP: "127.0.0.1", labels: spec.labels,
                              taints: spec.taints, runtimeVersion: runtime.version, facts: settings.facts)
        node.kubeletPort = port
        var options = KubeletOptions(node: node, staticPods: spec.staticPods)
        // A simulated pod's sync is a few map lookups and a status write; one worker per node keeps a
        // thousand nodes at a thousand tasks.
        options.workers = 1
        options.rootDir = spec.rootDir
        options.clusterDNS = settings.clusterDNS
        options.clusterDomain = settings.clusterDomain
        options.statusInterval = settings.statusInterval
        options.leaseRenewInterval = settings.leaseRenewInterval
        options.metrics = metrics
        let kubelet = try Kubelet(client: client, options: options, runtime: runtime, logger: nodeLogger, shared: shared)
        pods.source.withLock { $0 = kubelet }
        let log = nodeLogger
        let task = Task {
            do { try await kubelet.run() } catch is CancellationError {} catch { log.error("kubelet of node \(spec.name) ended: \(error)") }
        }
        running.withLock { $0[spec.name] = Running(spec: spec, runtime: runtime, kubelet: kubelet, task: task, port: port) }
        // Pods bound to it before it ran (a resumed node's, a restarted simulator's) get their first sync.
        for pod in kubelet.cachedPods() {
            if let key = ObjectKey.of(pod) { kubelet.enqueue(key) }
        }
    }

    /// Stops a node's kubelet and endpoint; its runtime (and so its pods) stays in `running`.
    func stop(_ name: String) {
        let (task, port) = running.withLock { state -> (Task<Void, Never>?, Int?) in
            guard var r = state[name] else { return (nil, nil) }
            let out = (r.task, r.port)
            r.task = nil
            r.kubelet = nil
            r.port = nil
            state[name] = r
            return out
        }
        task?.cancel()
        if let port { endpoints.close(port: port) }
    }

    func stopAll() {
        for name in running.withLock({ Array($0.keys) }) { stop(name) }
        endpoints.closeAll()
    }
}
