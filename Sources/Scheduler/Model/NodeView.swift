import APIMachinery

/// What the scheduler reads from a Node, decoded once per informer event.
public struct NodeView: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var taints: [Taint]
    /// `spec.unschedulable` (cordoned).
    public var unschedulable: Bool
    /// `status.allocatable` (falling back to `status.capacity`, as the API server's defaulting does).
    public var allocatable: ResourceList
    /// The `Ready` condition: true / false, nil when the node reports none (or `Unknown`). The upstream
    /// scheduler does not filter on it — the node lifecycle controller turns it into `not-ready` /
    /// `unreachable` taints — but a caller without that controller may want it.
    public var isReady: Bool?

    public init(name: String, labels: [String: String] = [:], taints: [Taint] = [], unschedulable: Bool = false,
                allocatable: ResourceList, isReady: Bool? = true) {
        self.name = name
        self.labels = labels
        self.taints = taints
        self.unschedulable = unschedulable
        self.allocatable = allocatable
        self.isReady = isReady
    }

    public init(json: JSON) throws(SchedulingDecodeError) {
        let meta = json["metadata"] ?? .null
        let spec = json["spec"] ?? .null
        let status = json["status"] ?? .null
        name = meta["name"]?.string ?? ""
        labels = meta["labels"]?.stringMap ?? [:]
        taints = (spec["taints"]?.array ?? []).map(Taint.init(json:))
        unschedulable = spec["unschedulable"]?.bool ?? false
        let resources = status["allocatable"].flatMap { $0.isNull ? nil : $0 } ?? status["capacity"]
        allocatable = ResourceList(try PodView.quantities(resources, field: "allocatable"))
        isReady = nil
        for c in status["conditions"]?.array ?? [] where c["type"]?.string == "Ready" {
            switch c["status"]?.string {
            case "True": isReady = true
            case "False": isReady = false
            default: isReady = nil
            }
        }
    }
}
