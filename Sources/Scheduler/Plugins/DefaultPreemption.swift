/// Preemption as the PostFilter (upstream `DefaultPreemption` with its `Evaluator`), without PDBs or
/// nominated pods: for every node whose rejection preemption could undo (`unschedulable`, not
/// `unschedulableAndUnresolvable`), remove all lower-priority pods, re-run the filters, then reprieve as
/// many victims as still lets the pod fit (most important first).
///
/// When no node can be freed the message is upstream's nested FitError, prefixed `preemption: `; when one
/// can, the result names the node to nominate and the victims to evict (this module evicts nothing).
public final class DefaultPreemption: PostFilterPlugin {
    public static let notHelpful = "Preemption is not helpful for scheduling"
    public static let noVictims = "No preemption victims found for incoming pod"
    public static let notEligibleNever = "not eligible due to preemptionPolicy=Never."
    public static let notEligibleTerminating = "not eligible due to a terminating pod on the nominated node."

    /// Upstream's defaults: try at least 10% of the candidate nodes, and at least 100.
    public let minCandidateNodesPercentage: Int
    public let minCandidateNodesAbsolute: Int

    public init(minCandidateNodesPercentage: Int = 10, minCandidateNodesAbsolute: Int = 100) {
        self.minCandidateNodesPercentage = minCandidateNodesPercentage
        self.minCandidateNodesAbsolute = minCandidateNodesAbsolute
    }
    public var name: String { "DefaultPreemption" }

    struct Candidate {
        var node: String
        var victims: [PodView]
    }

    public func postFilter(pod: PodView, snapshot: Snapshot, statuses: NodeToStatus, state: CycleState,
                           profile: SchedulerProfile) -> (PostFilterResult?, Status) {
        let (result, status) = preempt(pod: pod, snapshot: snapshot, statuses: statuses, state: state, profile: profile)
        if !status.message.isEmpty {
            var prefixed = status
            prefixed.reasons = ["preemption: " + status.message]
            return (result, prefixed)
        }
        return (result, status)
    }

    private func preempt(pod: PodView, snapshot: Snapshot, statuses: NodeToStatus, state: CycleState,
                         profile: SchedulerProfile) -> (PostFilterResult?, Status) {
        if pod.preemptionPolicy == "Never" { return (nil, Status(.unschedulable, Self.notEligibleNever)) }
        // Upstream `PodEligibleToPreemptOthers`: a pod nominated to a node where its victims are still
        // terminating waits for them rather than preempting more (unless that node can no longer fit it).
        if !pod.nominatedNodeName.isEmpty,
           statuses.status(of: pod.nominatedNodeName).code != .unschedulableAndUnresolvable,
           let nominated = snapshot.nodeInfo(named: pod.nominatedNodeName),
           nominated.pods.contains(where: { $0.priority < pod.priority && $0.isTerminatingByPreemption }) {
            return (nil, Status(.unschedulable, Self.notEligibleTerminating))
        }

        let potential = snapshot.nodeInfos.filter { statuses.status(of: $0.name).code == .unschedulable }
        var dryRun = NodeToStatus(absentNodesStatus: Status(.unschedulableAndUnresolvable, Self.notHelpful))
        var candidates: [Candidate] = []
        if !potential.isEmpty {
            let wanted = max(potential.count * minCandidateNodesPercentage / 100, minCandidateNodesAbsolute)
            let filters = profile.activeFilterPlugins(state)
            for nodeInfo in potential {
                switch selectVictims(pod: pod, nodeInfo: nodeInfo, filters: filters, state: state) {
                case .success(let victims): candidates.append(Candidate(node: nodeInfo.name, victims: victims))
                case .failure(let status): dryRun.set(nodeInfo.name, status)
                }
                if candidates.count >= wanted { break }
            }
        }
        guard let best = Self.pickOne(candidates) else {
            var diagnosis = Diagnosis()
            diagnosis.nodeToStatus = dryRun
            let nested = FitError(podKey: pod.key, numAllNodes: snapshot.numNodes, diagnosis: diagnosis)
            return (nil, Status(.unschedulable, nested.message))
        }
        return (PostFilterResult(nominatedNodeName: best.node, victims: best.victims), .success)
    }

    private enum VictimSelection {
        case success([PodView])
        case failure(Status)
    }

    /// Upstream `SelectVictimsOnNode` without PDBs.
    private func selectVictims(pod: PodView, nodeInfo original: NodeInfo, filters: [any FilterPlugin],
                               state: CycleState) -> VictimSelection {
        var nodeInfo = original
        var potential = original.pods.filter { $0.priority < pod.priority }
        if potential.isEmpty { return .failure(Status(.unschedulableAndUnresolvable, Self.noVictims)) }
        for v in potential { nodeInfo.remove(uid: v.uid) }
        if let rejected = SchedulerProfile.runFilters(filters, pod: pod, nodeInfo: nodeInfo, state: state) {
            return .failure(rejected)
        }
        potential.sort(by: Self.moreImportant)
        var victims: [PodView] = []
        for v in potential {
            nodeInfo.add(v)
            if SchedulerProfile.runFilters(filters, pod: pod, nodeInfo: nodeInfo, state: state) != nil {
                nodeInfo.remove(uid: v.uid)
                victims.append(v)
            }
        }
        return .success(victims)
    }

    /// Upstream `MoreImportantPod`: higher priority, then the one that started earlier.
    static func moreImportant(_ a: PodView, _ b: PodView) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        switch (a.startTime, b.startTime) {
        case let (x?, y?): return x < y
        case (_?, nil): return true
        default: return false
        }
    }

    /// Upstream `pickOneNodeForPreemption` without PDB counts: the lowest highest-victim priority, then the
    /// lowest sum of priorities, then the fewest victims, then the first.
    static func pickOne(_ candidates: [Candidate]) -> Candidate? {
        func highest(_ c: Candidate) -> Int64 { Int64(c.victims.map(\.priority).max() ?? Int32.min) }
        func sum(_ c: Candidate) -> Int64 { c.victims.reduce(0) { $0 + Int64($1.priority) + Int64(Int32.max) + 1 } }
        var pool = candidates
        for key in [highest, sum, { Int64($0.victims.count) }] as [(Candidate) -> Int64] {
            guard let best = pool.map(key).min() else { return nil }
            pool = pool.filter { key($0) == best }
            if pool.count == 1 { break }
        }
        return pool.first
    }
}
