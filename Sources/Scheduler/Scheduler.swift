import APIMachinery

/// Where a pod should go.
public struct ScheduleResult: Sendable, Equatable {
    public var suggestedHost: String
    /// Nodes whose filters ran this cycle (feasible + rejected).
    public var evaluatedNodes: Int
    public var feasibleNodes: Int

    public init(suggestedHost: String, evaluatedNodes: Int, feasibleNodes: Int) {
        self.suggestedHost = suggestedHost
        self.evaluatedNodes = evaluatedNodes
        self.feasibleNodes = feasibleNodes
    }
}

/// Why a cycle placed no pod.
public enum SchedulingFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snapshot has no nodes (upstream `ErrNoNodesAvailable`).
    case noNodesAvailable
    /// No node fits; the FitError carries the event message and any preemption nomination.
    case unschedulable(FitError)
    /// A plugin failed internally (none of the built-in ones do).
    case internalError(String)

    public var description: String {
        switch self {
        case .noNodesAvailable: return "no nodes available to schedule pods"
        case .unschedulable(let fit): return fit.message
        case .internalError(let message): return message
        }
    }

    public var fitError: FitError? {
        if case .unschedulable(let f) = self { return f }
        return nil
    }

    /// The `PodScheduled=False` condition reason upstream records for this failure.
    public var conditionReason: String {
        if case .unschedulable = self { return SchedulingEvents.unschedulableReason }
        return SchedulingEvents.schedulerErrorReason
    }
}

/// One scheduling profile's decision procedure (upstream `schedulePod` and `findNodesThatFitPod`):
/// PreFilter → Filter (over a rotating sample of nodes) → PostFilter when nothing fits → PreScore →
/// Score/normalise/weight → pick a top node at random.
///
/// A value owned by the scheduling loop: it carries the rotating start index and the random source.
public struct Scheduler: Sendable {
    public var profile: SchedulerProfile
    /// Where the next cycle starts looking, so every node gets its turn in the sample (upstream
    /// `nextStartNodeIndex`).
    public private(set) var nextStartNodeIndex = 0
    private var rng: SplitMix64

    public static let minFeasibleNodesToFind = 100
    public static let minFeasibleNodesPercentageToFind = 5

    public init(profile: SchedulerProfile = .defaultProfile(), seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.profile = profile
        rng = SplitMix64(seed: seed)
    }

    /// How many feasible nodes to look for before scoring: all below 100 nodes, else
    /// `percentageOfNodesToScore` (adaptive when 0: 50% - nodes/125, at least 5%), at least 100.
    public func numFeasibleNodesToFind(_ numAllNodes: Int) -> Int {
        if numAllNodes < Self.minFeasibleNodesToFind { return numAllNodes }
        var percentage = profile.percentageOfNodesToScore
        if percentage <= 0 {
            percentage = max(50 - numAllNodes / 125, Self.minFeasibleNodesPercentageToFind)
        }
        if percentage >= 100 { return numAllNodes }
        return max(numAllNodes * percentage / 100, Self.minFeasibleNodesToFind)
    }

    /// Picks a node for `pod` in `snapshot`, or says why none fits (running preemption's dry run when
    /// filters reject every node). Reads the snapshot only: the caller assumes the pod onto the chosen node.
    /// `state` is the cycle's scratch space, which the caller passes on to Reserve and PreBind.
    public mutating func scheduleOne(_ pod: PodView, in snapshot: Snapshot,
                                     state: CycleState = CycleState()) -> Result<ScheduleResult, SchedulingFailure> {
        let allNodes = snapshot.nodeInfos
        if allNodes.isEmpty { return .failure(.noNodesAvailable) }
        var diagnosis = Diagnosis()

        // PreFilter.
        var allowed: Set<String>?
        var pluginsWithNodes: [String] = []
        var rejection: Status?
        preFilter: for pl in profile.preFilterPlugins {
            switch pl.preFilter(pod: pod, state: state) {
            case .allNodes: continue
            case .skip: state.skipFilterPlugins.insert(pl.name)
            case .reject(let s):
                guard s.isRejected else { return .failure(.internalError("running PreFilter plugin \"\(pl.name)\": \(s.message)")) }
                rejection = s.withPlugin(pl.name)
                diagnosis.addPluginStatus(rejection!)
                break preFilter
            case .nodeNames(let names):
                pluginsWithNodes.append(pl.name)
                let merged = allowed.map { $0.intersection(names) } ?? names
                allowed = merged
                if merged.isEmpty {
                    let msg = pluginsWithNodes.count == 1
                        ? "node(s) didn't satisfy plugin \(pluginsWithNodes[0])"
                        : "node(s) didn't satisfy plugin(s) \(Self.goList(pluginsWithNodes)) simultaneously"
                    rejection = Status(.unschedulableAndUnresolvable, msg)
                    diagnosis.unschedulablePlugins.formUnion(pluginsWithNodes)
                    break preFilter
                }
            }
        }
        if let rejection {
            diagnosis.nodeToStatus.absentNodesStatus = rejection
            diagnosis.preFilterMsg = rejection.message
            return .failure(fitFailure(pod: pod, snapshot: snapshot, diagnosis: diagnosis, state: state))
        }

        let filters = profile.activeFilterPlugins(state)

        // A nominated node (from an earlier preemption) is tried first.
        if !pod.nominatedNodeName.isEmpty, let info = snapshot.nodeInfo(named: pod.nominatedNodeName),
           SchedulerProfile.runFilters(filters, pod: pod, nodeInfo: info, state: state) == nil {
            return .success(ScheduleResult(suggestedHost: info.name, evaluatedNodes: 1, feasibleNodes: 1))
        }

        var candidates: [Int]?
        if let allowed {
            candidates = allowed.compactMap { snapshot.index(ofNode: $0) }.sorted()
            let plugins = pluginsWithNodes.sorted()
            diagnosis.nodeToStatus.absentNodesStatus = Status(
                .unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) \(Self.goList(plugins))")
        }

        // Filter, from where the last cycle stopped, until enough feasible nodes are found.
        let count = candidates?.count ?? allNodes.count
        let numToFind = numFeasibleNodesToFind(count)
        var feasible: [Int] = []
        feasible.reserveCapacity(numToFind)
        if count > 0 {
            let start = nextStartNodeIndex % count
            // Through a buffer pointer so each plugin call borrows the NodeInfo instead of copying it.
            let failure: String? = allNodes.withUnsafeBufferPointer { nodes in
                for i in 0..<count {
                    var j = start + i
                    if j >= count { j -= count }
                    let index = candidates?[j] ?? j
                    guard let status = SchedulerProfile.runFilters(filters, pod: pod, nodeInfo: nodes[index], state: state) else {
                        feasible.append(index)
                        if feasible.count >= numToFind { break }
                        continue
                    }
                    if status.code == .error {
                        return "running \"\(status.plugin)\" filter plugin: \(status.message)"
                    } else {
                        diagnosis.nodeToStatus.set(nodes[index].name, status)
                        diagnosis.addPluginStatus(status)
                    }
                }
                return nil
            }
            if let failure { return .failure(.internalError(failure)) }
        }
        let evaluated = feasible.count + diagnosis.nodeToStatus.count
        nextStartNodeIndex = (nextStartNodeIndex + evaluated) % allNodes.count

        if feasible.isEmpty {
            return .failure(fitFailure(pod: pod, snapshot: snapshot, diagnosis: diagnosis, state: state))
        }
        if feasible.count == 1 {
            return .success(ScheduleResult(suggestedHost: allNodes[feasible[0]].name, evaluatedNodes: evaluated,
                                           feasibleNodes: 1))
        }

        let totals = prioritize(pod: pod, snapshot: snapshot, feasible: feasible, state: state)
        let chosen = selectHost(totals)
        return .success(ScheduleResult(suggestedHost: allNodes[feasible[chosen]].name, evaluatedNodes: evaluated,
                                       feasibleNodes: feasible.count))
    }

    /// Builds the FitError and runs the PostFilter plugins (preemption) to complete its message.
    private func fitFailure(pod: PodView, snapshot: Snapshot, diagnosis: Diagnosis, state: CycleState) -> SchedulingFailure {
        var fit = FitError(podKey: pod.key, numAllNodes: snapshot.numNodes, diagnosis: diagnosis)
        guard !profile.postFilterPlugins.isEmpty else { return .unschedulable(fit) }
        var reasons: [String] = []
        for pl in profile.postFilterPlugins {
            let (result, status) = pl.postFilter(pod: pod, snapshot: snapshot, statuses: diagnosis.nodeToStatus,
                                                 state: state, profile: profile)
            if status.isSuccess || status.code == .unschedulableAndUnresolvable || !status.isRejected {
                reasons = status.reasons
                if let result {
                    fit.nominatedNodeName = result.nominatedNodeName
                    fit.victims = result.victims
                }
                break
            }
            reasons.append(contentsOf: status.reasons)
            if let result {
                fit.nominatedNodeName = result.nominatedNodeName
                fit.victims = result.victims
            }
        }
        fit.diagnosis.postFilterMsg = reasons.joined(separator: ", ")
        return .unschedulable(fit)
    }

    /// Weighted sum of normalised plugin scores per feasible node (upstream `prioritizeNodes`).
    func prioritize(pod: PodView, snapshot: Snapshot, feasible: [Int], state: CycleState) -> [Int64] {
        var totals = [Int64](repeating: 0, count: feasible.count)
        if profile.scorePlugins.isEmpty {
            for i in totals.indices { totals[i] = 1 }
            return totals
        }
        for pl in profile.preScorePlugins {
            let s = pl.preScore(pod: pod, snapshot: snapshot, feasibleNodes: feasible, state: state)
            if s.code == .skip { state.skipScorePlugins.insert(pl.name) }
        }
        let plugins = profile.scorePlugins.filter {
            state.skipScorePlugins.isEmpty || !state.skipScorePlugins.contains($0.plugin.name)
        }
        let n = feasible.count
        // Node-major, so each NodeInfo is loaded once for all plugins; plugin-major rows for normalising.
        var scores = [Int64](repeating: 0, count: plugins.count * n)
        snapshot.nodeInfos.withUnsafeBufferPointer { nodes in
            scores.withUnsafeMutableBufferPointer { out in
                for (i, index) in feasible.enumerated() {
                    Self.score(nodes[index], at: i, stride: n, pod: pod, plugins: plugins, state: state, into: out)
                }
            }
        }
        for (p, weighted) in plugins.enumerated() {
            var row = Array(scores[(p * n)..<((p + 1) * n)])
            weighted.plugin.normalizeScores(&row, pod: pod, state: state)
            for i in 0..<n { totals[i] += row[i] * weighted.weight }
        }
        return totals
    }

    private static func score(_ nodeInfo: NodeInfo, at i: Int, stride n: Int, pod: PodView, plugins: [WeightedScorePlugin],
                              state: CycleState, into out: UnsafeMutableBufferPointer<Int64>) {
        for (p, weighted) in plugins.enumerated() {
            out[p * n + i] = weighted.plugin.score(pod: pod, nodeInfo: nodeInfo, state: state)
        }
    }

    /// A uniformly random index among the highest totals, by reservoir sampling (upstream `selectHost`).
    mutating func selectHost(_ totals: [Int64]) -> Int {
        var best = Int64.min
        var chosen = 0
        var ties = 0
        for (i, total) in totals.enumerated() {
            if total > best {
                best = total
                chosen = i
                ties = 1
            } else if total == best {
                ties += 1
                if Int.random(in: 0..<ties, using: &rng) == 0 { chosen = i }
            }
        }
        return chosen
    }

    /// Go's `%v` of a string slice: `[a b]`.
    static func goList(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }
}
