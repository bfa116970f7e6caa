/// A change in the cluster that may make unschedulable pods schedulable (upstream `framework.ClusterEvent`).
/// The queue moves a pod back when the event matches one its rejecting plugins registered.
public struct ClusterEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Resource: String, Sendable, Hashable {
        case node = "Node"
        /// A pod already bound (or assumed) to a node.
        case assignedPod = "AssignedPod"
        /// A pod waiting to be scheduled (its own update).
        case unscheduledPod = "UnscheduledPod"
        case persistentVolumeClaim = "PersistentVolumeClaim"
        case persistentVolume = "PersistentVolume"
        case storageClass = "storage.k8s.io/StorageClass"
        /// Matches every resource.
        case wildcard = "*"
    }

    public struct ActionType: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let add = ActionType(rawValue: 1 << 0)
        public static let delete = ActionType(rawValue: 1 << 1)
        public static let updateNodeAllocatable = ActionType(rawValue: 1 << 2)
        public static let updateNodeLabel = ActionType(rawValue: 1 << 3)
        public static let updateNodeTaint = ActionType(rawValue: 1 << 4)
        public static let updateNodeCondition = ActionType(rawValue: 1 << 5)
        public static let updateNodeUnschedulable = ActionType(rawValue: 1 << 6)
        public static let updatePodLabel = ActionType(rawValue: 1 << 7)
        public static let updatePodScaleDown = ActionType(rawValue: 1 << 8)
        public static let updatePodToleration = ActionType(rawValue: 1 << 9)
        public static let updatePodSchedulingGatesEliminated = ActionType(rawValue: 1 << 10)

        public static let update: ActionType = [
            .updateNodeAllocatable, .updateNodeLabel, .updateNodeTaint, .updateNodeCondition, .updateNodeUnschedulable,
            .updatePodLabel, .updatePodScaleDown, .updatePodToleration, .updatePodSchedulingGatesEliminated,
        ]
        public static let all: ActionType = [.add, .delete, .update]
    }

    public var resource: Resource
    public var actionType: ActionType
    public var label: String

    public init(_ resource: Resource, _ actionType: ActionType, label: String = "") {
        self.resource = resource
        self.actionType = actionType
        self.label = label.isEmpty ? "\(resource.rawValue)\(actionType)" : label
    }

    public var description: String { label }

    public static let nodeAdd = ClusterEvent(.node, .add, label: "NodeAdd")
    public static let assignedPodAdd = ClusterEvent(.assignedPod, .add, label: "AssignedPodAdd")
    public static let assignedPodDelete = ClusterEvent(.assignedPod, .delete, label: "AssignedPodDelete")
    /// Pods left unschedulable longer than the queue's limit (5 minutes) are retried regardless.
    public static let unschedulableTimeout = ClusterEvent(.wildcard, .all, label: "UnschedulableTimeout")
    /// Retry every unschedulable pod (upstream's wildcard event).
    public static let wildcard = ClusterEvent(.wildcard, .all, label: "WildCardEvent")

    /// The node update event for an old → new change: one action bit per aspect that changed (upstream
    /// `nodeSchedulingPropertiesChange`). Nil when nothing the scheduler reads changed.
    public static func nodeUpdate(old: NodeView, new: NodeView) -> ClusterEvent? {
        var a: ActionType = []
        if old.unschedulable != new.unschedulable { a.insert(.updateNodeUnschedulable) }
        if old.allocatable != new.allocatable { a.insert(.updateNodeAllocatable) }
        if old.labels != new.labels { a.insert(.updateNodeLabel) }
        if old.taints != new.taints { a.insert(.updateNodeTaint) }
        if old.isReady != new.isReady { a.insert(.updateNodeCondition) }
        return a.isEmpty ? nil : ClusterEvent(.node, a, label: "NodeUpdate")
    }

    /// Whether this event is one `registered` covers.
    public func matches(_ registered: ClusterEvent) -> Bool {
        let sameResource = resource == .wildcard || registered.resource == .wildcard || resource == registered.resource
        return sameResource && !actionType.intersection(registered.actionType).isEmpty
    }

    public var isWildcard: Bool { resource == .wildcard && actionType == .all }
}
