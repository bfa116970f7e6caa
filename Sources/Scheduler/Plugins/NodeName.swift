/// Filters out every node but `spec.nodeName` when a pod names one (upstream `NodeName`).
public final class NodeName: FilterPlugin, EnqueueExtensions {
    public static let errReason = "node(s) didn't match the requested node name"
    public init() {}
    public var name: String { "NodeName" }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        if pod.nodeName.isEmpty || pod.nodeName == nodeInfo.name { return nil }
        return Status(.unschedulableAndUnresolvable, Self.errReason)
    }

    public var eventsToRegister: [ClusterEvent] { [ClusterEvent(.node, [.add, .update])] }
}
