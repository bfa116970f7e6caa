/// Filters out cordoned nodes (`spec.unschedulable`) unless the pod tolerates the
/// `node.kubernetes.io/unschedulable:NoSchedule` taint (upstream `NodeUnschedulable`).
public final class NodeUnschedulable: FilterPlugin, EnqueueExtensions {
    public static let errReason = "node(s) were unschedulable"
    public init() {}
    public var name: String { "NodeUnschedulable" }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        guard nodeInfo.unschedulable else { return nil }
        if pod.tolerations.tolerate(Taint(key: Taint.unschedulableKey, effect: Taint.noSchedule)) { return nil }
        return Status(.unschedulableAndUnresolvable, Self.errReason)
    }

    public var eventsToRegister: [ClusterEvent] {
        [ClusterEvent(.node, [.add, .updateNodeTaint, .updateNodeUnschedulable]),
         ClusterEvent(.unscheduledPod, .updatePodToleration)]
    }
}
