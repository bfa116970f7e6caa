/// Favours nodes whose cpu and memory would be used in equal proportion after placing the pod (upstream
/// `NodeResourcesBalancedAllocation`): score = (1 - std) × 100 over the requested/allocatable fractions,
/// each capped at 1. With upstream's default resources (cpu, memory) the standard deviation is
/// `|f_cpu - f_mem| / 2`; a node reporting only one of them has std 0. Uses actual requests (no defaults
/// for request-less containers) and, as v1.32, scores best-effort pods too.
public final class BalancedAllocation: ScorePlugin {
    public init() {}
    public var name: String { "NodeResourcesBalancedAllocation" }

    public func score(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Int64 {
        let cpuCapacity = nodeInfo.allocatableMilliCPU
        let memCapacity = nodeInfo.allocatableMemory
        guard cpuCapacity != 0, memCapacity != 0 else { return maxNodeScore }
        let cpu = min(1, Double(nodeInfo.requestedMilliCPU + pod.requests.milliCPU) / Double(cpuCapacity))
        let memory = min(1, Double(nodeInfo.requestedMemory + pod.requests.memory) / Double(memCapacity))
        let std = abs((cpu - memory) / 2)
        return Int64((1 - std) * Double(maxNodeScore))
    }
}
