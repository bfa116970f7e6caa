import APIMachinery
import Foundation

/// Which pods a ReplicaSet gives up first when it has too many (upstream's `ActivePodsWithRanks`).
///
/// Pods that cost least to lose come first: unscheduled before scheduled, Pending before Unknown before
/// Running, not ready before ready, lower `pod-deletion-cost` first, pods doubled up on a node with more
/// of their siblings first, then the most recently ready, the most restarted and the newest. Time
/// comparisons use logarithmic buckets (LogarithmicScaleDown, on by default since 1.22) so that pods of
/// similar age are picked pseudo-randomly (by UID) rather than always the very newest.
struct ActivePodsOrdering {
    var now: Date

    static let phaseOrdinal: [String: Int] = ["Pending": 0, "Unknown": 1, "Running": 2]

    /// Sorts `pods`, ranking each by how many of `related` (active) pods share its node.
    func sorted(_ pods: [JSON], related: [JSON]) -> [JSON] {
        var onNode: [String: Int] = [:]
        for p in related where PodState.isActive(p) { onNode[PodState.nodeName(p), default: 0] += 1 }
        let ranked = pods.map { (pod: $0, rank: onNode[PodState.nodeName($0)] ?? 0) }
        return ranked.sorted { less($0.pod, $0.rank, $1.pod, $1.rank) }.map(\.pod)
    }

    func less(_ a: JSON, _ rankA: Int, _ b: JSON, _ rankB: Int) -> Bool {
        let nodeA = PodState.nodeName(a), nodeB = PodState.nodeName(b)
        if nodeA != nodeB && (nodeA.isEmpty || nodeB.isEmpty) { return nodeA.isEmpty }
        let phaseA = Self.phaseOrdinal[PodState.phase(a)] ?? 0, phaseB = Self.phaseOrdinal[PodState.phase(b)] ?? 0
        if phaseA != phaseB { return phaseA < phaseB }
        let readyA = PodState.isReady(a), readyB = PodState.isReady(b)
        if readyA != readyB { return !readyA }
        let costA = PodState.deletionCost(a), costB = PodState.deletionCost(b)
        if costA != costB { return costA < costB }
        if rankA != rankB { return rankA > rankB }
        if readyA && readyB {
            let tA = PodState.readyTime(a), tB = PodState.readyTime(b)
            if tA != tB {
                if let r = compareTimes(tA, tB, a, b) { return r }
            }
        }
        let restartsA = PodState.maxContainerRestarts(a), restartsB = PodState.maxContainerRestarts(b)
        if restartsA != restartsB { return restartsA > restartsB }
        let cA = a.creationTimestamp, cB = b.creationTimestamp
        if cA != cB, let r = compareTimes(cA, cB, a, b) { return r }
        return false
    }

    /// Newer (or unknown) first, in logarithmic buckets of age; equal buckets order by UID.
    private func compareTimes(_ t1: Date?, _ t2: Date?, _ a: JSON, _ b: JSON) -> Bool? {
        guard let t1, let t2 else { return t1 == nil }
        let rankDiff = Self.logarithmicRank(t1, now) - Self.logarithmicRank(t2, now)
        if rankDiff == 0 { return a.uid < b.uid }
        return rankDiff < 0
    }

    /// ⌊log2(age in nanoseconds)⌋, or -1 for a time not in the past.
    static func logarithmicRank(_ t: Date, _ now: Date) -> Int64 {
        let nanos = now.timeIntervalSince(t) * 1e9
        return nanos > 0 ? Int64(log2(nanos)) : -1
    }
}
