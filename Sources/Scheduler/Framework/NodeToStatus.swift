/// The status of every node that failed a cycle's filters, plus one status standing for all nodes not
/// listed — those a PreFilter excluded, or all nodes when a PreFilter rejected the pod (upstream
/// `framework.NodeToStatus`).
public struct NodeToStatus: Sendable, Equatable {
    public private(set) var statuses: [String: Status] = [:]
    public var absentNodesStatus: Status

    public init(absentNodesStatus: Status = Status(.unschedulableAndUnresolvable)) {
        self.absentNodesStatus = absentNodesStatus
    }

    public var count: Int { statuses.count }

    public mutating func set(_ node: String, _ status: Status) { statuses[node] = status }

    public func status(of node: String) -> Status { statuses[node] ?? absentNodesStatus }
}

/// Why a pod fits nowhere (upstream `framework.Diagnosis`).
public struct Diagnosis: Sendable, Equatable {
    public var nodeToStatus = NodeToStatus()
    /// Plugins that rejected the pod: the queue moves it back when an event concerns one of them.
    public var unschedulablePlugins: Set<String> = []
    public var preFilterMsg = ""
    public var postFilterMsg = ""

    public init() {}

    mutating func addPluginStatus(_ status: Status) {
        if status.isRejected, !status.plugin.isEmpty { unschedulablePlugins.insert(status.plugin) }
    }
}
