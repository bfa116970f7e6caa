import APIMachinery
import Foundation

/// One container's cumulative CPU time and current memory, as the runtime measured them at `timestamp`.
public struct ContainerUsageSample: Sendable, Equatable {
    /// The runtime's container ID (without the `containerd://` scheme).
    public var containerID: String
    public var timestamp: Date
    public var cpuUsageCoreNanoseconds: UInt64
    public var memoryWorkingSetBytes: UInt64
    public var memoryUsageBytes: UInt64

    public init(containerID: String, timestamp: Date, cpuUsageCoreNanoseconds: UInt64, memoryWorkingSetBytes: UInt64, memoryUsageBytes: UInt64? = nil) {
        self.containerID = containerID
        self.timestamp = timestamp
        self.cpuUsageCoreNanoseconds = cpuUsageCoreNanoseconds
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryUsageBytes = memoryUsageBytes ?? memoryWorkingSetBytes
    }
}

/// Where the kubelet's resource figures come from: CRI's `ListContainerStats` on containerd, a configured
/// figure on the simulated runtime. A seam so the stats endpoints and their tests need no real runtime.
public protocol ResourceUsageSource: Sendable {
    /// The usage of the running containers of `pods` (this node's pods, with their status), by container ID.
    func containerUsage(pods: [JSON]) async throws -> [String: ContainerUsageSample]
    /// The node as a whole (nil when the runtime cannot tell; the kubelet then sums its pods).
    func nodeUsage() async -> CgroupSample?
}

/// What a simulated container "uses": a constant CPU rate and memory, so `kubectl top` and the HPA
/// have figures on nodes that run nothing (upstream's kwok has the same idea with its ResourceUsage
/// objects). The kubelet's flags set the default; a pod's annotations `simulation.skiff.io/cpu` and
/// `simulation.skiff.io/memory` (quantities, per container) override it, so a test can make one
/// Deployment look busy.
public struct SimulatedUsage: Sendable, Equatable {
    public static let cpuAnnotation = "simulation.skiff.io/cpu"
    public static let memoryAnnotation = "simulation.skiff.io/memory"

    /// CPU per container, in nanocores (1 core = 10⁹).
    public var nanoCores: UInt64
    public var memoryBytes: UInt64

    public init(nanoCores: UInt64 = 1_000_000, memoryBytes: UInt64 = 4 << 20) {
        self.nanoCores = nanoCores
        self.memoryBytes = memoryBytes
    }

    /// The figures for one pod: its annotations, else these.
    public func forPod(_ pod: JSON) -> SimulatedUsage {
        var u = self
        let annotations = pod[path: ["metadata", "annotations"]]
        if let s = annotations?[Self.cpuAnnotation]?.string, let q = try? Quantity(parsing: s), !q.isNegative {
            u.nanoCores = UInt64(clamping: q.nanos)
        }
        if let s = annotations?[Self.memoryAnnotation]?.string, let q = try? Quantity(parsing: s), !q.isNegative {
            u.memoryBytes = UInt64(clamping: q.value)
        }
        return u
    }

    /// A simulated container's samples: the constant rate accumulated since it started.
    public func samples(pods: [JSON], now: Date) -> [String: ContainerUsageSample] {
        var out: [String: ContainerUsageSample] = [:]
        for pod in pods {
            let usage = forPod(pod)
            for status in pod[path: ["status", "containerStatuses"]]?.array ?? [] {
                guard let id = status["containerID"]?.string.map(ContainerIDs.strip), !id.isEmpty,
                      let started = status[path: ["state", "running", "startedAt"]]?.string.flatMap(RFC3339.parse) else { continue }
                let seconds = max(0, now.timeIntervalSince(started))
                let cpu = UInt64((Double(usage.nanoCores) * seconds).rounded())
                out[id] = ContainerUsageSample(containerID: id, timestamp: now, cpuUsageCoreNanoseconds: cpu,
                                               memoryWorkingSetBytes: usage.memoryBytes)
            }
        }
        return out
    }
}

/// Container IDs as pod status shows them (`containerd://abc`) and as runtimes know them (`abc`).
enum ContainerIDs {
    static func strip(_ id: String) -> String {
        if let r = id.range(of: "://") { return String(id[r.upperBound...]) }
        return id
    }
}
