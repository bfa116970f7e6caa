/// Requests against allocatable (upstream `NodeResourcesFit`).
///
/// Filter: the node must have room for one more pod and for each requested resource
/// (`Insufficient cpu`, `Insufficient memory`, `Insufficient ephemeral-storage`, `Insufficient <name>`,
/// `Too many pods`; all that apply are reported). Preemption may help, so the status is `unschedulable`.
/// Score: the configured strategy — LeastAllocated by default — over cpu and memory, weight 1 each.
public final class NodeResourcesFit: FilterPlugin, ScorePlugin, EnqueueExtensions {
    public enum ScoringStrategy: Sendable, Equatable {
        /// Favours nodes with more free capacity (upstream's default): Σ w·(alloc-req)·100/alloc / Σ w.
        case leastAllocated
        /// Favours fuller nodes (bin packing): Σ w·req·100/alloc / Σ w.
        case mostAllocated
    }

    public let strategy: ScoringStrategy
    public let cpuWeight: Int64
    public let memoryWeight: Int64

    public init(strategy: ScoringStrategy = .leastAllocated, cpuWeight: Int64 = 1, memoryWeight: Int64 = 1) {
        self.strategy = strategy
        self.cpuWeight = cpuWeight
        self.memoryWeight = memoryWeight
    }

    public var name: String { "NodeResourcesFit" }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        let reasons = Self.insufficientResources(pod: pod, nodeInfo: nodeInfo)
        return reasons.isEmpty ? nil : Status(.unschedulable, reasons)
    }

    /// Upstream `fitsRequest`, returning the failure reasons in its order.
    static func insufficientResources(pod: PodView, nodeInfo: NodeInfo) -> [String] {
        var reasons: [String] = []
        let req = pod.requests
        if Int64(nodeInfo.podCount) + 1 > nodeInfo.allowedPods { reasons.append("Too many pods") }
        if req.milliCPU == 0 && req.memory == 0 && req.ephemeralStorage == 0 && req.scalar.isEmpty { return reasons }
        if req.milliCPU > 0 && req.milliCPU > nodeInfo.allocatableMilliCPU - nodeInfo.requestedMilliCPU {
            reasons.append("Insufficient cpu")
        }
        if req.memory > 0 && req.memory > nodeInfo.allocatableMemory - nodeInfo.requestedMemory {
            reasons.append("Insufficient memory")
        }
        if req.ephemeralStorage > 0
            && req.ephemeralStorage > nodeInfo.allocatableEphemeralStorage - nodeInfo.requestedEphemeralStorage {
            reasons.append("Insufficient ephemeral-storage")
        }
        if !req.scalar.isEmpty {
            let allocatable = nodeInfo.allocatable.scalar
            let used = nodeInfo.requestedScalar
            for (name, q) in req.scalar.sorted(by: { $0.key < $1.key }) where q > 0 {
                if q > allocatable[name, default: 0] - used[name, default: 0] { reasons.append("Insufficient \(name)") }
            }
        }
        return reasons
    }

    public func score(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Int64 {
        // Scoring counts request-less containers as 100m / 200Mi (upstream `useRequested: false`).
        let cpuCapacity = nodeInfo.allocatableMilliCPU
        let memCapacity = nodeInfo.allocatableMemory
        let cpuReq = nodeInfo.nonZeroRequestedMilliCPU + pod.nonZeroMilliCPU
        let memReq = nodeInfo.nonZeroRequestedMemory + pod.nonZeroMemory
        var total: Int64 = 0
        var weights: Int64 = 0
        if cpuCapacity != 0 {
            total += resourceScore(requested: cpuReq, capacity: cpuCapacity) * cpuWeight
            weights += cpuWeight
        }
        if memCapacity != 0 {
            total += resourceScore(requested: memReq, capacity: memCapacity) * memoryWeight
            weights += memoryWeight
        }
        return weights == 0 ? 0 : total / weights
    }

    private func resourceScore(requested: Int64, capacity: Int64) -> Int64 {
        switch strategy {
        case .leastAllocated:
            if capacity == 0 || requested > capacity { return 0 }
            return (capacity - requested) * maxNodeScore / capacity
        case .mostAllocated:
            if capacity == 0 { return 0 }
            return min(requested, capacity) * maxNodeScore / capacity
        }
    }

    public var eventsToRegister: [ClusterEvent] {
        [ClusterEvent(.assignedPod, [.delete, .updatePodScaleDown]),
         ClusterEvent(.node, [.add, .updateNodeAllocatable, .updateNodeTaint, .updateNodeLabel])]
    }
}
