/// `spec.nodeSelector` and `spec.affinity.nodeAffinity` (upstream `NodeAffinity`).
///
/// PreFilter narrows the cycle to the nodes named by `matchFields metadata.name In [...]` when every
/// required term names some; Filter checks the selector and the required terms; Score sums the weights of
/// the preferred terms a node matches, normalised so the best node gets 100.
public final class NodeAffinity: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    public static let errReasonPod = "node(s) didn't match Pod's node affinity/selector"
    public static let errReasonConflict = "pod affinity terms conflict"
    public init() {}
    public var name: String { "NodeAffinity" }

    public func preFilter(pod: PodView, state: CycleState) -> PreFilterResult {
        let required = pod.requiredNodeAffinity
        if required.isEmpty { return .skip }
        guard let terms = required.terms, !terms.isEmpty else { return .allNodes }
        var nodeNames: Set<String> = []
        for term in terms {
            var termNames: Set<String>?
            for r in term.matchFields where r.key == "metadata.name" && r.operator == "In" {
                let s = Set(r.values)
                termNames = termNames.map { $0.intersection(s) } ?? s
            }
            // A term without a node-name field may match any node: the terms are ORed.
            guard let termNames else { return .allNodes }
            nodeNames.formUnion(termNames)
        }
        if nodeNames.isEmpty { return .reject(Status(.unschedulableAndUnresolvable, Self.errReasonConflict)) }
        return .nodeNames(nodeNames)
    }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        if pod.requiredNodeAffinity.matches(labels: nodeInfo.labels, nodeName: nodeInfo.name) { return nil }
        return Status(.unschedulableAndUnresolvable, Self.errReasonPod)
    }

    public func preScore(pod: PodView, snapshot: Snapshot, feasibleNodes: [Int], state: CycleState) -> Status {
        pod.preferredNodeAffinity.isEmpty ? .skip : .success
    }

    public func score(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Int64 {
        var count: Int64 = 0
        for t in pod.preferredNodeAffinity where t.weight != 0
            && t.preference.matches(labels: nodeInfo.labels, nodeName: nodeInfo.name) {
            count += t.weight
        }
        return count
    }

    public func normalizeScores(_ scores: inout [Int64], pod: PodView, state: CycleState) {
        defaultNormalizeScore(&scores, reverse: false)
    }

    public var eventsToRegister: [ClusterEvent] { [ClusterEvent(.node, [.add, .updateNodeLabel])] }
}
