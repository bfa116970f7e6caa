import APIMachinery
/// The resources the scheduler counts, in upstream's units (`framework.Resource`): milli-cpu, bytes of
/// memory and ephemeral storage, a pod count, and "scalar" resources (extended resources such as
/// `example.com/gpu`, `hugepages-*`, `attachable-volumes-*`) by name.
///
/// Plain integers, not `Quantity`, so the per-node arithmetic in the filter and score loops is cheap.
public struct ResourceList: Sendable, Hashable {
    public var milliCPU: Int64 = 0
    public var memory: Int64 = 0
    public var ephemeralStorage: Int64 = 0
    /// Only meaningful for a node's allocatable (`pods`): how many pods it accepts.
    public var allowedPods: Int64 = 0
    public var scalar: [String: Int64] = [:]

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, allowedPods: Int64 = 0,
                scalar: [String: Int64] = [:]) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.allowedPods = allowedPods
        self.scalar = scalar
    }

    /// Converts named quantities as upstream's `Resource.Add` does: cpu in milli-units, the rest in units;
    /// names that are neither native nor scalar (e.g. `storage`) are ignored.
    public init(_ quantities: [String: Quantity]) {
        for (name, q) in quantities {
            switch name {
            case "cpu": milliCPU = q.milliValue
            case "memory": memory = q.value
            case "ephemeral-storage": ephemeralStorage = q.value
            case "pods": allowedPods = q.value
            default:
                if Self.isScalarResourceName(name) { scalar[name] = q.value }
            }
        }
    }

    /// Upstream's `IsScalarResourceName`: extended resources (a domain-qualified name outside
    /// `kubernetes.io/`, not a `requests.` quota name), prefixed native resources (`*kubernetes.io/*`),
    /// hugepages and attachable volumes.
    public static func isScalarResourceName(_ name: String) -> Bool {
        if name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-") { return true }
        guard name.contains("/") else { return false }
        if name.contains("kubernetes.io/") { return true }
        return !name.hasPrefix("requests.")
    }
}
