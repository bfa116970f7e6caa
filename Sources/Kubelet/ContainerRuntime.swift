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
    public var containerID: String
    public var phase: Phase
    public var restartCount: Int
    public var ready: Bool
}

/// The kubelet's seam to whatever runs containers: the simulated runtime (pods "run" with no processes,
/// like kwok, for scale tests and machines without containerd) or CRI on containerd.
public protocol ContainerRuntime: Sendable {
    /// Reported as the node's `containerRuntimeVersion`, e.g. "containerd://1.6.20" or "simulated://0.1".
    var version: String { get }
    /// Brings the pod's sandbox and containers up (idempotent for a pod already running).
    func syncPod(_ pod: JSON, podIP: String) async throws -> [ContainerState]
    /// Stops the pod's containers within the grace period and removes its sandbox.
    func killPod(uid: String, gracePeriod: Int64) async throws
    /// The containers of a pod this runtime knows, or nil when it has none (e.g. after a kubelet restart
    /// with a runtime that keeps no state).
    func containers(ofPod uid: String) async -> [ContainerState]?
    /// A container's log, or an error saying why there is none.
    func logs(podUID: String, container: String) async throws -> Data
}

/// Runs nothing: every container is "running" from the moment the pod is synced. Honest about it: there
/// are no logs, and `logs` says so.
public actor SimulatedRuntime: ContainerRuntime {
    public nonisolated let version = "simulated://0.1"
    private var pods: [String: [ContainerState]] = [:]

    public init() {}

    public func syncPod(_ pod: JSON, podIP: String) async throws -> [ContainerState] {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        if let existing = pods[uid] { return existing }
        let now = RFC3339.time()
        let containers = (pod[path: ["spec", "containers"]]?.array ?? []).map { c -> ContainerState in
            let name = c["name"]?.string ?? ""
            return ContainerState(
                name: name, image: c["image"]?.string ?? "",
                containerID: "simulated://\(uid.prefix(8))-\(name)", phase: .running(startedAt: now),
                restartCount: 0, ready: true)
        }
        pods[uid] = containers
        return containers
    }

    public func killPod(uid: String, gracePeriod: Int64) async throws {
        pods[uid] = nil
    }

    public func containers(ofPod uid: String) async -> [ContainerState]? { pods[uid] }

    public func logs(podUID: String, container: String) async throws -> Data {
        throw APIError.badRequest("container \"\(container)\" has no log: it runs on a simulated node, where no process runs")
    }
}
