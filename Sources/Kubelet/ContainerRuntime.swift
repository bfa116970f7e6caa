import APIMachinery
import Foundation

/// What a runtime reports about one container of a pod.
public struct ContainerState: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: String)
        case terminated(exitCode: Int32, reason: String, startedAt: String, finishedAt: String)
    }
    public var name: String
    public var image: String
    public var imageID: String = ""
    public var containerID: String
    public var phase: Phase
    /// The previous attempt's end, shown as `lastState.terminated` (nil before the first restart).
    public var lastTermination: Phase? = nil
    public var restartCount: Int
    public var ready: Bool

    public init(name: String, image: String, imageID: String = "", containerID: String, phase: Phase,
                lastTermination: Phase? = nil, restartCount: Int, ready: Bool) {
        self.name = name
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
        self.phase = phase
        self.lastTermination = lastTermination
        self.restartCount = restartCount
        self.ready = ready
    }

    public var isRunning: Bool { if case .running = phase { return true }; return false }
    public var isTerminated: Bool { if case .terminated = phase { return true }; return false }
    public var exitCode: Int32? { if case .terminated(let code, _, _, _) = phase { return code }; return nil }
}

/// What the runtime knows of one pod: its sandbox's address and its containers, in spec order.
public struct PodRuntimeStatus: Sendable, Equatable {
    public var podIP: String?
    public var sandboxReady: Bool
    public var initContainers: [ContainerState]
    public var containers: [ContainerState]
    /// When the runtime knows the pod will change by itself (a simulated run ending), how soon to sync it
    /// again; nil when only events or the relist tell.
    public var resyncAfter: Duration?

    public init(podIP: String?, sandboxReady: Bool, initContainers: [ContainerState] = [], containers: [ContainerState]) {
        self.podIP = podIP
        self.sandboxReady = sandboxReady
        self.initContainers = initContainers
        self.containers = containers
    }
}

/// What the kubelet resolved for a pod before the runtime starts its containers: volumes on the node, and
/// how to compute a container's environment once the sandbox has an address.
public struct PodSyncContext: Sendable {
    public typealias EnvironmentSource = @Sendable (_ container: JSON, _ podIP: String) async throws -> [(name: String, value: String)]

    /// Host path of each pod volume, by name.
    public var volumes: [String: String]
    /// The container's variables (envFrom, env with valueFrom), given the pod's IP.
    public var environment: EnvironmentSource
    /// An address the kubelet reserved, for runtimes without pod networking of their own (simulated).
    public var reservedIP: String
    public var hostIP: String
    /// resolv.conf for the pod (upstream's dnsPolicy), or nil for the runtime's default.
    public var dns: PodDNS?
    /// Where the pod's `/etc/hosts` goes; the runtime writes it once the pod has an address.
    public var hostsFile: URL?
    /// Where the runtime reports what it did (Pulled, Created, Started, Unhealthy, BackOff, ...).
    public var events: PodEvents

    public init(volumes: [String: String] = [:], environment: @escaping EnvironmentSource = { _, _ in [] },
                reservedIP: String = "", hostIP: String = "", dns: PodDNS? = nil, hostsFile: URL? = nil,
                events: PodEvents = .discarding) {
        self.volumes = volumes
        self.environment = environment
        self.reservedIP = reservedIP
        self.hostIP = hostIP
        self.dns = dns
        self.hostsFile = hostsFile
        self.events = events
    }
}

/// A pod's resolver configuration: what its `/etc/resolv.conf` says.
public struct PodDNS: Sendable, Equatable {
    public var servers: [String]
    public var searches: [String]
    public var options: [String]

    public init(servers: [String], searches: [String], options: [String]) {
        self.servers = servers
        self.searches = searches
        self.options = options
    }
}

/// The kubelet's seam to whatever runs containers: the simulated runtime (pods "run" with no processes,
/// like kwok, for scale tests) or CRI on containerd.
public protocol ContainerRuntime: Sendable {
    /// Reported as the node's `containerRuntimeVersion`, e.g. "containerd://1.6.20" or "simulated://0.1".
    var version: String { get }
    /// Whether pod state can change without the kubelet asking (processes exit, probes fail): then the
    /// kubelet re-syncs running pods on a short period, as upstream's PLEG relists.
    var needsPolling: Bool { get }
    /// Whether pods get their addresses from the runtime's own networking (CNI); otherwise the kubelet
    /// hands each pod one from the node's pod CIDR.
    var providesPodNetwork: Bool { get }
    /// Whether a pod's first sync already leaves it running (no sandbox to make, no image to pull): then
    /// the kubelet posts no "ContainerCreating" status first, a write no one would see for long.
    var startsPodsAtOnce: Bool { get }
    /// Brings the pod towards its spec — sandbox, init containers in order, app containers, restarts
    /// per restartPolicy with back-off — and reports where it stands. Idempotent: called on every sync.
    func syncPod(_ pod: JSON, context: PodSyncContext) async throws -> PodRuntimeStatus
    /// Runs the `lifecycle.preStop` handlers of the pod's running containers, together, for at most
    /// `gracePeriod` seconds, before the kubelet stops the pod; returns the time they took, which the stop's
    /// grace period loses (upstream's killContainer).
    func runPreStopHooks(_ pod: JSON, gracePeriod: Int64, events: PodEvents) async -> Duration
    /// Stops the pod's containers within the grace period (SIGTERM, then SIGKILL) and removes its sandbox.
    func killPod(uid: String, gracePeriod: Int64) async throws
    /// What the runtime has of a pod, or nil when it has nothing (never started, or already removed).
    func podStatus(uid: String) async -> PodRuntimeStatus?
    /// The uids of every pod the runtime holds: how pods deleted while the kubelet was down are found.
    func podUIDs() async -> Set<String>
    /// One cheap listing of every container the runtime holds, as pod uid → a fingerprint of its
    /// containers' states: the kubelet compares successive listings (upstream's PLEG relist) to sync a pod
    /// as soon as one of its containers starts or exits. nil when the runtime cannot tell.
    func relist() async -> [String: String]?
    /// The images the node holds, for the Node's `status.images` (largest first, as upstream lists them).
    func nodeImages() async -> [NodeImage]
}

/// One image on the node: its names (tags and digests) and size.
public struct NodeImage: Sendable, Equatable {
    public var names: [String]
    public var sizeBytes: Int64
    public init(names: [String], sizeBytes: Int64) {
        self.names = names
        self.sizeBytes = sizeBytes
    }
}

/// Runs nothing: every container is "running" from the moment the pod is synced, until the pod is
/// deleted — or, for a run-to-completion pod that asks for it (`SimulatedRunToCompletion`), until its
/// simulated run time is over. Honest about it: there are no processes, so there are no logs and nothing
/// to exec into.
public actor SimulatedRuntime: ContainerRuntime {
    public nonisolated let version = "simulated://0.1"
    public nonisolated let needsPolling = false
    public nonisolated let providesPodNetwork = false
    public nonisolated let startsPodsAtOnce = true
    private var pods: [String: PodRuntimeStatus] = [:]
    /// Pods on the clock: when their current run ends, and how.
    private var runs: [String: (endsAt: ContinuousClock.Instant, plan: SimulatedRunToCompletion)] = [:]
    /// What its containers report as used (`kubectl top`, the HPA).
    public nonisolated let usage: SimulatedUsage

    public init(usage: SimulatedUsage = SimulatedUsage()) {
        self.usage = usage
    }

    public func syncPod(_ pod: JSON, context: PodSyncContext) async throws -> PodRuntimeStatus {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        if let existing = pods[uid] { return advance(uid, existing) }
        let now = RFC3339.time()
        func states(_ key: String, running: Bool) -> [ContainerState] {
            (pod[path: ["spec", key]]?.array ?? []).map { c -> ContainerState in
                let name = c["name"]?.string ?? ""
                return ContainerState(
                    name: name, image: c["image"]?.string ?? "", containerID: "simulated://\(uid.prefix(8))-\(name)",
                    phase: running ? .running(startedAt: now) : .terminated(exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now),
                    restartCount: 0, ready: running)
            }
        }
        let status = PodRuntimeStatus(podIP: context.reservedIP, sandboxReady: true,
                                      initContainers: states("initContainers", running: false),
                                      containers: states("containers", running: true))
        pods[uid] = status
        if let plan = SimulatedRunToCompletion(pod: pod) { runs[uid] = (.now + plan.runFor, plan) }
        return advance(uid, status)
    }

    /// Ends the pod's simulated run once its time is up; until then, asks to be synced when it is.
    private func advance(_ uid: String, _ status: PodRuntimeStatus) -> PodRuntimeStatus {
        guard let run = runs[uid] else { return status }
        let now = ContinuousClock.now
        var status = status
        if now < run.endsAt {
            status.resyncAfter = run.endsAt - now
            return status
        }
        status.containers = run.plan.finished(status.containers, now: RFC3339.time())
        status.resyncAfter = nil
        if run.plan.runsAgain {
            runs[uid] = (now + run.plan.runFor, run.plan)
            status.resyncAfter = run.plan.runFor
        } else {
            runs[uid] = nil
        }
        pods[uid] = status
        return status
    }

    public func killPod(uid: String, gracePeriod: Int64) async throws {
        pods[uid] = nil
        runs[uid] = nil
    }

    /// Nothing runs, so no handler does either.
    public func runPreStopHooks(_ pod: JSON, gracePeriod: Int64, events: PodEvents) async -> Duration { .zero }

    public func podStatus(uid: String) async -> PodRuntimeStatus? { pods[uid] }

    public func podUIDs() async -> Set<String> { Set(pods.keys) }

    public func nodeImages() async -> [NodeImage] { [] }

    public func relist() async -> [String: String]? { nil }
}

/// A pod whose containers cannot be configured yet (a missing ConfigMap or Secret, a bad volume): upstream's
/// `CreateContainerConfigError`.
public struct PodConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
