/// Taints and tolerations (upstream `TaintToleration`).
///
/// Filter: a `NoSchedule` or `NoExecute` taint the pod does not tolerate rejects the node, naming the first
/// such taint as `node(s) had untolerated taint {key: value}`.
/// Score: the number of untolerated `PreferNoSchedule` taints, normalised in reverse so the node with the
/// fewest gets 100.
public final class TaintToleration: FilterPlugin, ScorePlugin, EnqueueExtensions {
    public init() {}
    public var name: String { "TaintToleration" }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        guard nodeInfo.hasTaints,
              let taint = TaintHelpers.firstUntolerated(nodeInfo.taints, pod.tolerations,
                                                        where: TaintHelpers.isNoScheduleOrNoExecute)
        else { return nil }
        return Status(.unschedulableAndUnresolvable, "node(s) had untolerated taint {\(taint.key): \(taint.value)}")
    }

    public func score(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Int64 {
        guard nodeInfo.hasTaints else { return 0 }
        var count: Int64 = 0
        for taint in nodeInfo.taints where taint.effect == Taint.preferNoSchedule {
            // Only tolerations with an empty or PreferNoSchedule effect count (upstream's PreScore list).
            let tolerated = pod.tolerations.contains {
                ($0.effect.isEmpty || $0.effect == Taint.preferNoSchedule) && $0.tolerates(taint)
            }
            if !tolerated { count += 1 }
        }
        return count
    }

    public func normalizeScores(_ scores: inout [Int64], pod: PodView, state: CycleState) {
        defaultNormalizeScore(&scores, reverse: true)
    }

    public var eventsToRegister: [ClusterEvent] {
        [ClusterEvent(.node, [.add, .updateNodeTaint]), ClusterEvent(.unscheduledPod, .updatePodToleration)]
    }
}
