import APIMachinery

/// One `matchExpressions` / `matchFields` entry as written in the pod.
public struct NodeSelectorRequirement: Sendable, Hashable {
    public var key: String
    public var `operator`: String
    public var values: [String]

    public init(key: String, operator: String, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    init(json: JSON) {
        key = json["key"]?.string ?? ""
        `operator` = json["operator"]?.string ?? ""
        values = (json["values"]?.array ?? []).compactMap(\.string)
    }
}

/// A label requirement compiled once, when the pod is decoded (upstream's `labels.Requirement`).
enum LabelRequirement: Sendable, Hashable {
    case `in`(key: String, values: [String])
    case notIn(key: String, values: [String])
    case exists(key: String)
    case doesNotExist(key: String)
    case greaterThan(key: String, value: Int64)
    case lessThan(key: String, value: Int64)

    /// Compiles a requirement as `nodeSelectorRequirementsAsSelector` does; nil when upstream would
    /// report a parse error (the whole term then never matches).
    init?(_ r: NodeSelectorRequirement) {
        switch r.operator {
        case "In":
            guard !r.values.isEmpty else { return nil }
            self = .in(key: r.key, values: r.values)
        case "NotIn":
            guard !r.values.isEmpty else { return nil }
            self = .notIn(key: r.key, values: r.values)
        case "Exists":
            guard r.values.isEmpty else { return nil }
            self = .exists(key: r.key)
        case "DoesNotExist":
            guard r.values.isEmpty else { return nil }
            self = .doesNotExist(key: r.key)
        case "Gt", "Lt":
            guard r.values.count == 1, let v = Int64(r.values[0]) else { return nil }
            self = r.operator == "Gt" ? .greaterThan(key: r.key, value: v) : .lessThan(key: r.key, value: v)
        default:
            return nil
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        switch self {
        case .in(let key, let values):
            guard let v = labels[key] else { return false }
            return values.contains(v)
        case .notIn(let key, let values):
            guard let v = labels[key] else { return true }
            return !values.contains(v)
        case .exists(let key): return labels[key] != nil
        case .doesNotExist(let key): return labels[key] == nil
        case .greaterThan(let key, let value):
            guard let s = labels[key], let v = Int64(s) else { return false }
            return v > value
        case .lessThan(let key, let value):
            guard let s = labels[key], let v = Int64(s) else { return false }
            return v < value
        }
    }
}

/// A `matchFields` requirement: the only node field is `metadata.name` (any other key reads as "").
struct FieldRequirement: Sendable, Hashable {
    var key: String
    var equals: Bool
    var value: String

    /// Upstream accepts only `In` / `NotIn` with exactly one value here.
    init?(_ r: NodeSelectorRequirement) {
        guard r.values.count == 1, r.operator == "In" || r.operator == "NotIn" else { return nil }
        key = r.key
        equals = r.operator == "In"
        value = r.values[0]
    }

    func matches(nodeName: String) -> Bool {
        let actual = key == "metadata.name" ? nodeName : ""
        return (actual == value) == equals
    }
}

/// A node selector term: its expressions and fields are ANDed. An empty term, or one upstream cannot
/// parse, matches no node.
public struct NodeSelectorTerm: Sendable, Hashable {
    public var matchExpressions: [NodeSelectorRequirement]
    public var matchFields: [NodeSelectorRequirement]
    let labels: [LabelRequirement]
    let fields: [FieldRequirement]
    let valid: Bool

    public init(matchExpressions: [NodeSelectorRequirement] = [], matchFields: [NodeSelectorRequirement] = []) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
        let labels = matchExpressions.compactMap(LabelRequirement.init)
        let fields = matchFields.compactMap(FieldRequirement.init)
        self.labels = labels
        self.fields = fields
        valid = labels.count == matchExpressions.count && fields.count == matchFields.count
            && !(matchExpressions.isEmpty && matchFields.isEmpty)
    }

    init(json: JSON) {
        self.init(matchExpressions: (json["matchExpressions"]?.array ?? []).map(NodeSelectorRequirement.init(json:)),
                  matchFields: (json["matchFields"]?.array ?? []).map(NodeSelectorRequirement.init(json:)))
    }

    public var isEmpty: Bool { matchExpressions.isEmpty && matchFields.isEmpty }

    func matches(labels nodeLabels: [String: String], nodeName: String) -> Bool {
        guard valid else { return false }
        for r in labels where !r.matches(nodeLabels) { return false }
        for f in fields where !f.matches(nodeName: nodeName) { return false }
        return true
    }
}

/// A weighted `preferredDuringSchedulingIgnoredDuringExecution` term.
public struct PreferredSchedulingTerm: Sendable, Hashable {
    public var weight: Int64
    public var preference: NodeSelectorTerm

    public init(weight: Int64, preference: NodeSelectorTerm) {
        self.weight = weight
        self.preference = preference
    }
}

/// What a node must satisfy for the pod: `spec.nodeSelector` AND (when present) one of the required
/// node affinity terms (upstream `nodeaffinity.RequiredNodeAffinity`).
public struct RequiredNodeAffinity: Sendable, Hashable {
    public var nodeSelector: [String: String]
    /// nil when the pod has no required node affinity; an empty list matches no node.
    public var terms: [NodeSelectorTerm]?

    public init(nodeSelector: [String: String] = [:], terms: [NodeSelectorTerm]? = nil) {
        self.nodeSelector = nodeSelector
        self.terms = terms
    }

    public var isEmpty: Bool { nodeSelector.isEmpty && terms == nil }

    public func matches(_ node: NodeView) -> Bool { matches(labels: node.labels, nodeName: node.name) }

    public func matches(labels: [String: String], nodeName: String) -> Bool {
        for (k, v) in nodeSelector where labels[k] != v { return false }
        guard let terms else { return true }
        for t in terms where t.matches(labels: labels, nodeName: nodeName) { return true }
        return false
    }
}
