/// One scheduling profile: the plugins at each extension point, in the order they run, and the score
/// weights (upstream `KubeSchedulerProfile` expanded into a framework).
public struct SchedulerProfile: Sendable {
    public var schedulerName: String
    public var preFilterPlugins: [any PreFilterPlugin]
    public var filterPlugins: [any FilterPlugin]
    public var preScorePlugins: [any PreScorePlugin]
    public var scorePlugins: [WeightedScorePlugin]
    public var postFilterPlugins: [any PostFilterPlugin]
    public var reservePlugins: [any ReservePlugin]
    public var preBindPlugins: [any PreBindPlugin]
    /// Upstream `percentageOfNodesToScore`: 0 means adaptive (50% - nodes/125, at least 5%, at least 100
    /// nodes); 100 evaluates every node.
    public var percentageOfNodesToScore: Int

    public init(schedulerName: String = PodView.defaultSchedulerName,
                preFilterPlugins: [any PreFilterPlugin] = [], filterPlugins: [any FilterPlugin] = [],
                preScorePlugins: [any PreScorePlugin] = [], scorePlugins: [WeightedScorePlugin] = [],
                postFilterPlugins: [any PostFilterPlugin] = [], reservePlugins: [any ReservePlugin] = [],
                preBindPlugins: [any PreBindPlugin] = [], percentageOfNodesToScore: Int = 0) {
        self.schedulerName = schedulerName
        self.preFilterPlugins = preFilterPlugins
        self.filterPlugins = filterPlugins
        self.preScorePlugins = preScorePlugins
        self.scorePlugins = scorePlugins
        self.postFilterPlugins = postFilterPlugins
        self.reservePlugins = reservePlugins
        self.preBindPlugins = preBindPlugins
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    /// Upstream v1.32's default profile, restricted to the plugins built here, in its MultiPoint order:
    /// filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit;
    /// scores TaintToleration ×3, NodeAffinity ×2, NodeResourcesFit (LeastAllocated) ×1,
    /// NodeResourcesBalancedAllocation ×1; PostFilter DefaultPreemption. With `volumeBinding` (a scheduler
    /// that watches claims and volumes), VolumeBinding runs after NodeResourcesFit at PreFilter and Filter,
    /// and at Reserve and PreBind.
    public static func defaultProfile(schedulerName: String = PodView.defaultSchedulerName,
                                      volumeBinding: VolumeBinding? = nil) -> SchedulerProfile {
        let taints = TaintToleration()
        let affinity = NodeAffinity()
        let ports = NodePorts()
        let fit = NodeResourcesFit()
        let balanced = BalancedAllocation()
        var preFilters: [any PreFilterPlugin] = [affinity, ports]
        var filters: [any FilterPlugin] = [NodeUnschedulable(), NodeName(), taints, affinity, ports, fit]
        if let volumeBinding {
            preFilters.append(volumeBinding)
            filters.append(volumeBinding)
        }
        return SchedulerProfile(
            schedulerName: schedulerName,
            preFilterPlugins: preFilters,
            filterPlugins: filters,
            preScorePlugins: [affinity],
            scorePlugins: [
                WeightedScorePlugin(taints, weight: 3),
                WeightedScorePlugin(affinity, weight: 2),
                WeightedScorePlugin(fit, weight: 1),
                WeightedScorePlugin(balanced, weight: 1),
            ],
            postFilterPlugins: [DefaultPreemption()],
            reservePlugins: volumeBinding.map { [$0] } ?? [],
            preBindPlugins: volumeBinding.map { [$0] } ?? [])
    }

    /// The filters that run this cycle (those whose PreFilter did not ask to be skipped), resolved once per
    /// cycle so the per-node loop does no set lookups.
    public func activeFilterPlugins(_ state: CycleState) -> [any FilterPlugin] {
        state.skipFilterPlugins.isEmpty ? filterPlugins : filterPlugins.filter { !state.skipFilterPlugins.contains($0.name) }
    }

    /// Runs the filters in order and stops at the first that rejects (upstream `RunFilterPlugins`):
    /// nil when the node fits, else the rejecting status with its plugin set.
    public static func runFilters(_ plugins: [any FilterPlugin], pod: PodView, nodeInfo: NodeInfo,
                                  state: CycleState) -> Status? {
        for pl in plugins {
            if let s = pl.filter(pod: pod, nodeInfo: nodeInfo, state: state), !s.isSuccess { return s.withPlugin(pl.name) }
        }
        return nil
    }

    /// `runFilters` over this cycle's active filters.
    public func runFilterPlugins(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        Self.runFilters(activeFilterPlugins(state), pod: pod, nodeInfo: nodeInfo, state: state)
    }

    /// Every plugin's registered cluster events, by plugin name (what the queue matches events against).
    public var pluginEvents: [String: [ClusterEvent]] {
        var out: [String: [ClusterEvent]] = [:]
        let all: [any SchedulerPlugin] = preFilterPlugins + filterPlugins + preScorePlugins
            + scorePlugins.map(\.plugin) + postFilterPlugins + reservePlugins + preBindPlugins
        for pl in all {
            if let ext = pl as? any EnqueueExtensions { out[pl.name] = ext.eventsToRegister }
        }
        return out
    }
}
