import APIMachinery

/// A node taint (`spec.taints[]`). Effects are kept as strings so an unknown effect is carried, not dropped.
public struct Taint: Sendable, Hashable {
    public var key: String
    public var value: String
    public var effect: String

    public init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    public static let noSchedule = "NoSchedule"
    public static let preferNoSchedule = "PreferNoSchedule"
    public static let noExecute = "NoExecute"

    /// The taint the node lifecycle controller mirrors from `spec.unschedulable`.
    public static let unschedulableKey = "node.kubernetes.io/unschedulable"

    init(json: JSON) {
        key = json["key"]?.string ?? ""
        value = json["value"]?.string ?? ""
        effect = json["effect"]?.string ?? ""
    }
}

/// A pod toleration (`spec.tolerations[]`).
public struct Toleration: Sendable, Hashable {
    public var key: String
    /// `Equal` (also when empty) or `Exists`; anything else tolerates nothing, as upstream.
    public var `operator`: String
    public var value: String
    /// Empty means every effect.
    public var effect: String

    public init(key: String = "", operator: String = "", value: String = "", effect: String = "") {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
    }

    init(json: JSON) {
        key = json["key"]?.string ?? ""
        `operator` = json["operator"]?.string ?? ""
        value = json["value"]?.string ?? ""
        effect = json["effect"]?.string ?? ""
    }

    /// Upstream `Toleration.ToleratesTaint`: effect and key must match when set; `Exists` ignores the value.
    public func tolerates(_ taint: Taint) -> Bool {
        if !effect.isEmpty && effect != taint.effect { return false }
        if !key.isEmpty && key != taint.key { return false }
        switch `operator` {
        case "", "Equal": return value == taint.value
        case "Exists": return true
        default: return false
        }
    }
}

extension Array where Element == Toleration {
    public func tolerate(_ taint: Taint) -> Bool { contains { $0.tolerates(taint) } }
}

enum TaintHelpers {
    /// The first taint, in the node's order, that passes `applies` and no toleration tolerates
    /// (upstream `FindMatchingUntoleratedTaint`).
    static func firstUntolerated(_ taints: [Taint], _ tolerations: [Toleration], where applies: (Taint) -> Bool) -> Taint? {
        for taint in taints where applies(taint) && !tolerations.tolerate(taint) { return taint }
        return nil
    }

    static func isNoScheduleOrNoExecute(_ taint: Taint) -> Bool {
        taint.effect == Taint.noSchedule || taint.effect == Taint.noExecute
    }
}
