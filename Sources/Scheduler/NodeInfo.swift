/// A node with the pods assigned to it (bound or assumed) and the totals filters and scores read, kept
/// up to date on every add/remove so a scheduling cycle never sums pods (upstream `framework.NodeInfo`).
public struct NodeInfo: Sendable {
    public private(set) var node: NodeView
    public private(set) var pods: [PodView] = []
    /// Sum of the pods' effective requests (what `NodeResourcesFit` checks against allocatable).
    public private(set) var requested = ResourceList()
    /// Cpu and memory with the 100m / 200Mi defaults for request-less containers (LeastAllocated scoring).
    public private(set) var nonZeroRequested = ResourceList()
    public private(set) var usedPorts = HostPortInfo()

    public init(node: NodeView, pods: [PodView] = []) {
        self.node = node
        for p in pods { add(p) }
    }

    public var name: String { node.name }
    public var allocatable: ResourceList { node.allocatable }

    mutating func setNode(_ node: NodeView) { self.node = node }

    public mutating func add(_ pod: PodView) {
        pods.append(pod)
        requested.add(pod.requests)
        nonZeroRequested.milliCPU &+= pod.nonZeroMilliCPU
        nonZeroRequested.memory &+= pod.nonZeroMemory
        for p in pod.hostPorts { usedPorts.add(p) }
    }

    /// Removes the pod with this uid; returns it, or nil when it is not on this node.
    @discardableResult
    public mutating func remove(uid: String) -> PodView? {
        guard let i = pods.firstIndex(where: { $0.uid == uid }) else { return nil }
        let pod = pods.remove(at: i)
        requested.subtract(pod.requests)
        nonZeroRequested.milliCPU &-= pod.nonZeroMilliCPU
        nonZeroRequested.memory &-= pod.nonZeroMemory
        for p in pod.hostPorts { usedPorts.remove(p) }
        return pod
    }
}
