/// The scheduling framework's extension points as protocols, in the shape of upstream's
/// `pkg/scheduler/framework/interface.go`. A plugin implements the ones it needs; `SchedulerProfile`
/// lists the instances per extension point, in upstream's default order. Plugins are (immutable) classes,
/// as upstream's are pointers: the per-node loops then pass references, not boxed values.
public protocol SchedulerPlugin: AnyObject, Sendable {
    /// The upstream plugin name (`NodeResourcesFit`, ...): it appears in diagnostics and in
    /// `node(s) didn't satisfy plugin(s) [...]`.
    var name: String { get }
}

/// What a PreFilter decided for the whole cycle.
public enum PreFilterResult: Sendable, Equatable {
    /// Every node may be evaluated.
    case allNodes
    /// Only these nodes can fit (e.g. `matchFields metadata.name In [...]`): others are not evaluated.
    case nodeNames(Set<String>)
    /// Nothing to check for this pod: the plugin's Filter is skipped this cycle.
    case skip
    /// The pod cannot be scheduled at all; the status message becomes the FitError's PreFilter message.
    case reject(Status)
}

public protocol PreFilterPlugin: SchedulerPlugin {
    func preFilter(pod: PodView, state: CycleState) -> PreFilterResult
}

public protocol FilterPlugin: SchedulerPlugin {
    /// nil when the pod can run on this node (upstream's nil `*Status`), else why not.
    func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status?
}

public protocol PreScorePlugin: SchedulerPlugin {
    /// `.success`, or `.skip` when the plugin's Score has nothing to say for this pod. `feasibleNodes`
    /// are indices into `snapshot.nodeInfos`.
    func preScore(pod: PodView, snapshot: Snapshot, feasibleNodes: [Int], state: CycleState) -> Status
}

public protocol ScorePlugin: SchedulerPlugin {
    /// A raw score for one feasible node.
    func score(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Int64
    /// Maps the raw scores of all feasible nodes onto 0...`maxNodeScore` (upstream `NormalizeScore`).
    /// The default leaves them as they are (plugins whose raw scores already are 0...100).
    func normalizeScores(_ scores: inout [Int64], pod: PodView, state: CycleState)
}

extension ScorePlugin {
    public func normalizeScores(_ scores: inout [Int64], pod: PodView, state: CycleState) {}
}

/// The result of PostFilter (preemption): a node to nominate and the pods to evict there.
public struct PostFilterResult: Sendable, Equatable {
    public var nominatedNodeName: String
    public var victims: [PodView]

    public init(nominatedNodeName: String, victims: [PodView]) {
        self.nominatedNodeName = nominatedNodeName
        self.victims = victims
    }
}

/// Runs after no node passed the filters (upstream `PostFilterPlugin`; the default one is preemption).
public protocol PostFilterPlugin: SchedulerPlugin {
    /// `status.message` becomes the FitError's PostFilter message.
    func postFilter(pod: PodView, snapshot: Snapshot, statuses: NodeToStatus, state: CycleState,
                    profile: SchedulerProfile) -> (PostFilterResult?, Status)
}

/// Cluster events a plugin's rejections may be undone by (upstream `EnqueueExtensions`).
public protocol EnqueueExtensions: SchedulerPlugin {
    var eventsToRegister: [ClusterEvent] { get }
}

/// A score plugin with its weight in the total.
public struct WeightedScorePlugin: Sendable {
    public var plugin: any ScorePlugin
    public var weight: Int64

    public init(_ plugin: any ScorePlugin, weight: Int64) {
        self.plugin = plugin
        self.weight = weight
    }
}

/// The highest score a plugin may give a node after normalisation (upstream `framework.MaxNodeScore`).
public let maxNodeScore: Int64 = 100

/// Upstream `helper.DefaultNormalizeScore`: scales scores so the largest becomes `maxPriority`
/// (all stay 0 when every score is 0), then optionally reverses them (`maxPriority - score`).
public func defaultNormalizeScore(_ scores: inout [Int64], maxPriority: Int64 = maxNodeScore, reverse: Bool) {
    let maxCount = scores.max() ?? 0
    if maxCount <= 0 {
        if reverse { for i in scores.indices { scores[i] = maxPriority } }
        return
    }
    for i in scores.indices {
        var s = maxPriority * scores[i] / maxCount
        if reverse { s = maxPriority - s }
        scores[i] = s
    }
}
