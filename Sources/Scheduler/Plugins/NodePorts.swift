/// Host ports (upstream `NodePorts`): a node where another pod already holds one of the pod's
/// `hostPort`s (same protocol, same or wildcard address) does not fit. Preemption may help.
public final class NodePorts: PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    public static let errReason = "node(s) didn't have free ports for the requested pod ports"
    public init() {}
    public var name: String { "NodePorts" }

    public func preFilter(pod: PodView, state: CycleState) -> PreFilterResult {
        pod.hostPorts.isEmpty ? .skip : .allNodes
    }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        for p in pod.hostPorts where nodeInfo.usedPorts.conflicts(with: p) {
            return Status(.unschedulable, Self.errReason)
        }
        return nil
    }

    public var eventsToRegister: [ClusterEvent] {
        [ClusterEvent(.assignedPod, .delete), ClusterEvent(.node, [.add, .update])]
    }
}
