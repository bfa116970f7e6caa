/// A node with the pods assigned to it (bound or assumed) and the totals filters and scores read, kept
/// up to date on every add/remove so a scheduling cycle never sums pods (upstream `framework.NodeInfo`).
///
/// Shaped for the filter/score loops, which take a `NodeInfo` per plugin per node: the numbers those
/// loops read are plain stored integers, and everything reference-counted sits in one copy-on-write box,
/// so copying a `NodeInfo` costs one retain (copying field by field was most of a cycle's time).
public struct NodeInfo: Sendable {
    private final class Storage: @unchecked Sendable {
        // `node` never changes (a new node gets a new box); the rest is mutated only through NodeInfo's
        // mutating methods after `isKnownUniquelyReferenced`.
        let node: NodeView
        var pods: [PodView]
        var requestedScalar: [String: Int64]
        var usedPorts: HostPortInfo

        init(node: NodeView, pods: [PodView] = [], requestedScalar: [String: Int64] = [:],
             usedPorts: HostPortInfo = HostPortInfo()) {
            self.node = node
            self.pods = pods
            self.requestedScalar = requestedScalar
            self.usedPorts = usedPorts
        }

        func copy(node: NodeView? = nil) -> Storage {
            Storage(node: node ?? self.node, pods: pods, requestedScalar: requestedScalar, usedPorts: usedPorts)
        }
    }

    private var storage: Storage

    public private(set) var allocatableMilliCPU: Int64 = 0
    public private(set) var allocatableMemory: Int64 = 0
    public private(set) var allocatableEphemeralStorage: Int64 = 0
    public private(set) var allowedPods: Int64 = 0
    public private(set) var unschedulable = false
    public private(set) var hasTaints = false

    public private(set) var podCount = 0
    public private(set) var requestedMilliCPU: Int64 = 0
    public private(set) var requestedMemory: Int64 = 0
    public private(set) var requestedEphemeralStorage: Int64 = 0
    /// Cpu and memory with the 100m / 200Mi defaults for request-less containers (LeastAllocated scoring).
    public private(set) var nonZeroRequestedMilliCPU: Int64 = 0
    public private(set) var nonZeroRequestedMemory: Int64 = 0

    public init(node: NodeView, pods: [PodView] = []) {
        storage = Storage(node: node)
        cacheNodeFields(node)
        for p in pods { add(p) }
    }

    public var node: NodeView { storage.node }
    public var name: String { storage.node.name }
    public var taints: [Taint] { storage.node.taints }
    public var labels: [String: String] { storage.node.labels }
    public var allocatable: ResourceList { storage.node.allocatable }
    public var pods: [PodView] { storage.pods }
    public var usedPorts: HostPortInfo { storage.usedPorts }
    public var requestedScalar: [String: Int64] { storage.requestedScalar }

    /// Sum of the pods' effective requests (what `NodeResourcesFit` checks against allocatable).
    public var requested: ResourceList {
        ResourceList(milliCPU: requestedMilliCPU, memory: requestedMemory, ephemeralStorage: requestedEphemeralStorage,
                     scalar: storage.requestedScalar)
    }

    public var nonZeroRequested: ResourceList {
        ResourceList(milliCPU: nonZeroRequestedMilliCPU, memory: nonZeroRequestedMemory)
    }

    private mutating func cacheNodeFields(_ node: NodeView) {
        allocatableMilliCPU = node.allocatable.milliCPU
        allocatableMemory = node.allocatable.memory
        allocatableEphemeralStorage = node.allocatable.ephemeralStorage
        allowedPods = node.allocatable.allowedPods
        unschedulable = node.unschedulable
        hasTaints = !node.taints.isEmpty
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    mutating func setNode(_ node: NodeView) {
        storage = storage.copy(node: node)
        cacheNodeFields(node)
    }

    public mutating func add(_ pod: PodView) {
        let s = unique()
        s.pods.append(pod)
        podCount = s.pods.count
        requestedMilliCPU &+= pod.requests.milliCPU
        requestedMemory &+= pod.requests.memory
        requestedEphemeralStorage &+= pod.requests.ephemeralStorage
        for (name, v) in pod.requests.scalar { s.requestedScalar[name, default: 0] &+= v }
        nonZeroRequestedMilliCPU &+= pod.nonZeroMilliCPU
        nonZeroRequestedMemory &+= pod.nonZeroMemory
        for p in pod.hostPorts { s.usedPorts.add(p) }
    }

    /// Removes the pod with this uid; returns it, or nil when it is not on this node.
    @discardableResult
    public mutating func remove(uid: String) -> PodView? {
        guard let i = storage.pods.firstIndex(where: { $0.uid == uid }) else { return nil }
        let s = unique()
        let pod = s.pods.remove(at: i)
        podCount = s.pods.count
        requestedMilliCPU &-= pod.requests.milliCPU
        requestedMemory &-= pod.requests.memory
        requestedEphemeralStorage &-= pod.requests.ephemeralStorage
        for (name, v) in pod.requests.scalar {
            let left = s.requestedScalar[name, default: 0] &- v
            s.requestedScalar[name] = left == 0 ? nil : left
        }
        nonZeroRequestedMilliCPU &-= pod.nonZeroMilliCPU
        nonZeroRequestedMemory &-= pod.nonZeroMemory
        for p in pod.hostPorts { s.usedPorts.remove(p) }
        return pod
    }
}
